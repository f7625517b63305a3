/** A model config that cannot be built, rendered or parsed; the message names what and why. */
export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigError";
  }
}
