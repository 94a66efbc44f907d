// One persistent HTTP/1.1 connection (RFC 9112 §9.3) carrying one request at a time, as a BOSH
// client keeps two of them (XEP-0124 §11: `requests` = `hold` + 1). It reconnects when the server
// closed it between requests, and fails the request in flight when the socket dies or times out.
// A request written on a reused connection just as the server closed it for idleness (RFC 9112
// §9.3.1: the race every keep-alive client meets) is sent once more on a new connection when no
// byte of its answer came, as browsers do; XEP-0124 §14 lets a client send a rid again.
import net from 'node:net';
import { parseHttpResponse, postRequest, type HttpResponse } from './http-response.js';

export class HttpError extends Error {}

export class HttpConnection {
  /** How many TCP connections this object opened (more than one means the server closed some). */
  connects = 0;
  private socket?: net.Socket;
  private received?: Buffer;
  /** Responses read on the current socket: from the first on, it is a reused connection. */
  private answered = 0;
  private pending?: { resolve(response: HttpResponse): void; reject(err: Error): void; timer: NodeJS.Timeout; request: string; isRetried: boolean };

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get isBusy(): boolean {
    return this.pending !== undefined;
  }

  /** POSTs `body` and resolves with the response; rejects on a socket error, a close or after `timeoutMs`. */
  post(path: string, body: string, timeoutMs: number): Promise<HttpResponse> {
    if (this.pending) return Promise.reject(new HttpError('connection busy'));
    const socket = this.socket ?? this.connect();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new HttpError(`no response within ${timeoutMs} ms`)), timeoutMs);
      const request = postRequest(`${this.host}:${this.port}`, path, body);
      this.pending = { resolve, reject, timer, request, isRetried: false };
      socket.write(request);
    });
  }

  destroy(): void {
    this.fail(new HttpError('connection destroyed'));
  }

  private connect(): net.Socket {
    this.connects++;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    this.received = undefined;
    this.answered = 0;
    // Events of a socket this object already dropped concern no request any more.
    socket.on('data', (data: Buffer) => this.socket === socket && this.onData(data));
    socket.on('error', (err) => this.socket === socket && this.lost(new HttpError(err.message)));
    socket.on('close', () => this.socket === socket && this.lost(new HttpError('connection closed by the server')));
    return socket;
  }

  /** The socket died: the request in flight goes again on a new connection if the old one was reused and answered none of it, else it fails. */
  private lost(err: Error): void {
    const pending = this.pending;
    if (pending && !pending.isRetried && this.answered > 0 && this.received === undefined) {
      pending.isRetried = true;
      this.dropSocket();
      this.connect().write(pending.request);
      return;
    }
    this.fail(err);
  }

  private onData(data: Buffer): void {
    this.received = this.received ? Buffer.concat([this.received, data]) : data;
    let response: HttpResponse | undefined;
    try {
      response = parseHttpResponse(this.received);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (!response) return;
    this.answered++;
    this.received = response.consumed < this.received.length ? this.received.subarray(response.consumed) : undefined;
    if (response.isClosing) this.dropSocket();
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve(response);
    }
  }

  private fail(err: Error): void {
    this.dropSocket();
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.received = undefined;
    socket?.destroy();
  }
}
