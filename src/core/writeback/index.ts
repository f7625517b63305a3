export {
  registryOutcomeOf,
  writeBackDeployment,
  writeBackKeys,
  type DeploymentOutcomeForRegistry,
  type WriteBackOptions,
  type WriteBackReport,
} from "./write-back";
