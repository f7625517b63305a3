// Each container's log as the kubelet keeps it: stdout and stderr interleaved in write order,
// readable whole or followed until the container ends (kubernetes-contract.md §5).
import { EventEmitter } from "node:events";

class ContainerLog extends EventEmitter {
  readonly chunks: Buffer[] = [];
  ended = false;
}

export class PodLogs {
  private readonly logs = new Map<string, ContainerLog>();

  private log(namespace: string, pod: string, container: string): ContainerLog {
    const key = `${namespace}/${pod}/${container}`;
    let found = this.logs.get(key);
    if (found === undefined) {
      found = new ContainerLog();
      this.logs.set(key, found);
    }
    return found;
  }

  append(namespace: string, pod: string, container: string, chunk: Buffer): void {
    const log = this.log(namespace, pod, container);
    log.chunks.push(chunk);
    log.emit("data", chunk);
  }

  end(namespace: string, pod: string, container: string): void {
    const log = this.log(namespace, pod, container);
    log.ended = true;
    log.emit("end");
  }

  text(namespace: string, pod: string, container: string): string {
    return Buffer.concat(this.log(namespace, pod, container).chunks).toString("utf8");
  }

  /** Everything so far, then each new chunk until the container ends; returns a stop function. */
  follow(
    namespace: string,
    pod: string,
    container: string,
    onData: (chunk: Buffer) => void,
    onEnd: () => void,
  ): () => void {
    const log = this.log(namespace, pod, container);
    for (const chunk of log.chunks) onData(chunk);
    if (log.ended) {
      onEnd();
      return () => undefined;
    }
    log.on("data", onData);
    log.once("end", onEnd);
    return () => {
      log.off("data", onData);
      log.off("end", onEnd);
    };
  }
}
