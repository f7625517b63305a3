// Secret values the program tests set as secret config: unique markers per stack, so a test can
// search everything the program registered for them.
export function testSecrets(stack: string): Record<string, string> {
  return {
    slackWebhookUrl: `https://hooks.slack.com/services/test-${stack}-slack-marker`,
    tritonApiKey: `${stack}-api-key-marker`,
    pagerRoutingKey: `${stack}-pager-marker`,
    nfsSshPrivateKey: `test-${stack}-ssh-private-key-marker`,
    mlflowTrackingToken: `${stack}-mlflow-token-marker`,
  };
}
