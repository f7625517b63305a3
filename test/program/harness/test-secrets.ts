// Secret values the program tests set as secret config: unique markers per stack, so a test can
// search everything the program registered for them.
export function testSecrets(stack: string): Record<string, string> {
  return {
    slackWebhookUrl: `https://hooks.slack.com/services/T0/B0/${stack}-slack-marker`,
    tritonApiKey: `${stack}-api-key-marker`,
    pagerRoutingKey: `${stack}-pager-marker`,
    nfsSshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${stack}-ssh-marker\n-----END OPENSSH PRIVATE KEY-----`,
    mlflowTrackingToken: `${stack}-mlflow-token-marker`,
  };
}
