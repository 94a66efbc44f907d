// `file-transfer`: N users (16) sign in over TCP, find the XEP-0363 upload service through disco
// items (§2; DeskChat's `localhost/upload`, Prosody's `upload.localhost`), each asks for a slot
// (§4) and PUTs a file of --file-mb MiB (5) at the same moment (§5), then all GET them back.
// Figures: aggregate upload and download MB/s (bytes over the span from the first start to the
// last end), per-file seconds, failures, and the server's CPU and memory during each phase (its
// RSS should not grow with the file size: uploads stream to disk).
import type { Coordinator } from '../coordinator.js';
import { latency } from '../coordinator.js';
import type { BenchOptions } from '../options.js';
import type { Figure, Scenario, WorkerContext } from '../scenario.js';
import type { Recorder } from '../phase-report.js';
import type { XmppConnection } from '../xmpp-connection.js';
import { attr, unescapeXml } from '../xml-split.js';
import { closeAll, signInAll } from './common.js';
import { cpuFigures } from './figures.js';
import { getFile, putFile } from '../file-http.js';

export const DEFAULT_FILES = 16;
export const DEFAULT_FILE_MB = 5;
const NS_UPLOAD = 'urn:xmpp:http:upload:0';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';

interface State {
  pending: Map<string, (element: string) => void>;
  nextId: number;
  service?: string;
  urls: (string | undefined)[];
  body?: Buffer;
}

const state = (context: WorkerContext) => context.state as unknown as State;

/** An IQ get and its reply (result or error), matched by id. */
function iq(context: WorkerContext, connection: XmppConnection, to: string, payload: string, timeoutMs = 30_000): Promise<string> {
  const s = state(context);
  const id = `ft${++s.nextId}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.pending.delete(id);
      reject(new Error(`no reply to ${payload.slice(0, 60)} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.pending.set(id, (element) => {
      clearTimeout(timer);
      resolve(element);
    });
    connection.send(`<iq type='get' id='${id}' to='${to}' xmlns='jabber:client'>${payload}</iq>`);
  });
}

/** §2: the first item of the domain whose disco#info has the upload feature. */
async function discover(context: WorkerContext, connection: XmppConnection): Promise<string> {
  const domain = context.init.endpoint.domain;
  const items = await iq(context, connection, domain, `<query xmlns='${NS_DISCO_ITEMS}'/>`);
  const jids = [...items.matchAll(/<item\b[^>]*\bjid=(?:'([^']*)'|"([^"]*)")/g)].map((m) => m[1] ?? m[2]!);
  for (const jid of [domain, ...jids]) {
    const info = await iq(context, connection, jid, `<query xmlns='${NS_DISCO_INFO}'/>`);
    if (info.includes(`'${NS_UPLOAD}'`) || info.includes(`"${NS_UPLOAD}"`)) return jid;
  }
  throw new Error(`no XEP-0363 service among the items of ${domain}`);
}

async function uploadOne(context: WorkerContext, local: number, recorder: Recorder): Promise<void> {
  const s = state(context);
  const connection = context.connections[local];
  if (!connection) return recorder.count('upload-failed');
  const name = `bench-${context.init.first + local + 1}.bin`;
  try {
    const started = Date.now();
    recorder.mark('upload', started);
    const reply = await iq(context, connection, s.service!, `<request xmlns='${NS_UPLOAD}' filename='${name}' size='${s.body!.length}' content-type='application/octet-stream'/>`);
    const put = /<put\b[^>]*\burl=(?:'([^']*)'|"([^"]*)")/.exec(reply);
    const get = /<get\b[^>]*\burl=(?:'([^']*)'|"([^"]*)")/.exec(reply);
    if (!put || !get) throw new Error(`slot refused: ${reply.slice(0, 300)}`);
    const unescape = (text: string) => unescapeXml(text);
    // §4: the <put/> may carry headers the PUT must send (Prosody's Authorization token).
    const headers: Record<string, string> = {};
    for (const h of reply.matchAll(/<header\b[^>]*\bname=(?:'([^']*)'|"([^"]*)")[^>]*>([^<]*)<\/header>/g)) {
      const name = h[1] ?? h[2]!;
      if (/^(authorization|cookie|expires)$/i.test(name)) headers[name] = unescape(h[3]!);
    }
    await putFile(context.init.endpoint.host, unescape(put[1] ?? put[2]!), s.body!, 'application/octet-stream', headers);
    const done = Date.now();
    recorder.mark('upload', done);
    recorder.histogram('upload').recordMs(done - started);
    recorder.count('upload-bytes', s.body!.length);
    s.urls[local] = unescape(get[1] ?? get[2]!);
  } catch (err) {
    recorder.count('upload-failed');
    recorder.error(`upload: ${(err as Error).message}`);
  }
}

async function downloadOne(context: WorkerContext, local: number, recorder: Recorder): Promise<void> {
  const url = state(context).urls[local];
  if (!url) return recorder.count('download-failed');
  try {
    const started = Date.now();
    recorder.mark('download', started);
    const bytes = await getFile(context.init.endpoint.host, url);
    const done = Date.now();
    if (bytes !== state(context).body!.length) throw new Error(`got ${bytes} bytes of ${state(context).body!.length}`);
    recorder.mark('download', done);
    recorder.histogram('download').recordMs(done - started);
    recorder.count('download-bytes', bytes);
  } catch (err) {
    recorder.count('download-failed');
    recorder.error(`download: ${(err as Error).message}`);
  }
}

function rateFigures(label: string, direction: 'upload' | 'download', outcome: Awaited<ReturnType<Coordinator['phase']>>, files: number): Figure[] {
  const { counts, spans } = outcome.report;
  const bytes = counts[`${direction}-bytes`] ?? 0;
  const span = spans[direction];
  const seconds = span ? (span[1] - span[0]) / 1000 : NaN;
  const l = latency(outcome.report, direction);
  const failed = counts[`${direction}-failed`] ?? 0;
  return [
    { case: label, name: `${direction} MB/s`, value: bytes / 2 ** 20 / seconds, unit: 'MiB/s', better: 'higher', note: `${Math.round(bytes / 2 ** 20)} MiB in ${seconds.toFixed(2)} s, ${files - failed} of ${files} files` },
    { case: label, name: `${direction} per file p50`, value: l.p50 / 1000, unit: 's', better: 'lower' },
    { case: label, name: `${direction} per file max`, value: l.max / 1000, unit: 's', better: 'lower' },
    { case: label, name: `${direction} failures`, value: failed, unit: '', better: 'lower' },
    ...cpuFigures(label, outcome),
    // Uploads and downloads stream: the server's peak memory must not follow the file size.
    ...(outcome.server ? [{ case: label, name: `server RSS peak (${direction})`, value: outcome.server.rssMax / 2 ** 20, unit: 'MB', better: 'lower' as const }] : []),
  ];
}

export const fileTransfer: Scenario = {
  name: 'file-transfer',
  users: (o) => o.files ?? DEFAULT_FILES,
  socketsPerUser: () => 2,
  needsHttp: () => true,
  workerPhases: {
    signIn: async (context, args: { fileBytes: number }, recorder) => {
      const s = state(context);
      s.pending = new Map();
      s.nextId = 0;
      s.urls = [];
      // One body per worker: bytes that no content check mistakes for a known format.
      s.body = Buffer.alloc(args.fileBytes, 'DeskChat bench file. ');
      await signInAll(
        context,
        {
          transport: 'tcp',
          sendPresence: false,
          onConnected: (connection) => {
            connection.onStanza = (element) => {
              const id = attr(element, 'id');
              const waiter = id === undefined ? undefined : s.pending.get(id);
              if (waiter) {
                s.pending.delete(id!);
                waiter(element);
              }
            };
          },
        },
        recorder,
      );
      const first = context.connections.find((c) => c !== undefined);
      if (first) s.service = await discover(context, first);
    },
    upload: async (context, _args, recorder) => {
      await Promise.all(context.connections.map((_c, local) => uploadOne(context, local, recorder)));
    },
    download: async (context, _args, recorder) => {
      await Promise.all(context.connections.map((_c, local) => downloadOne(context, local, recorder)));
    },
    close: (context, _args, recorder) => closeAll(context, recorder),
  },
  async run(coordinator: Coordinator, options: BenchOptions) {
    const files = fileTransfer.users(options);
    const fileMb = options.fileMb ?? DEFAULT_FILE_MB;
    const fileBytes = fileMb * 2 ** 20;
    const label = `${files} × ${fileMb} MiB`;
    const signIn = await coordinator.phase('signIn', { fileBytes }, 120_000);
    const connected = signIn.report.counts['connect-ok'] ?? 0;
    const timeoutMs = 60_000 + (files * fileBytes) / 1000; // at least 1 MB/s
    const upload = await coordinator.phase('upload', {}, timeoutMs);
    const download = await coordinator.phase('download', {}, timeoutMs);
    await coordinator.phase('close', {}, 60_000);
    const figures: Figure[] = [
      { case: label, name: 'signed in', value: connected, unit: '', note: `of ${files}` },
      ...rateFigures(label, 'upload', upload, files),
      ...rateFigures(label, 'download', download, files),
    ];
    return { figures, details: { files, fileBytes, upload: { counts: upload.report.counts, errors: upload.report.errors, server: upload.server }, download: { counts: download.report.counts, errors: download.report.errors, server: download.server } } };
  },
};
