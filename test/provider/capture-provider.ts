// The type token by which provider tests find the program's ModelDeployment among the resources
// a program run records (test/support/engine; pulumi-notes §2.4).
export const MODEL_DEPLOYMENT_TYPE = "pulumi-nodejs:dynamic/triton-serving:ModelDeployment";
