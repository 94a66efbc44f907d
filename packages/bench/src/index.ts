// @deskchat/bench: a load generator for XMPP servers over loopback (TCP, BOSH, WebSocket clients,
// scenarios, histograms). A client of the server: it imports no server code. CLI: `npm run bench`.
export { Histogram, type SerializedHistogram } from './histogram.js';
export { ElementSplitter, attr, childText, tagName } from './xml-split.js';
export { parseHttpResponse, type HttpResponse } from './http-response.js';
export { parseBody, sessionCreateBody, requestBody, restartBody, terminateBody } from './bosh-body.js';
export { connect, username, type Account } from './clients.js';
export { connectTcp } from './tcp-client.js';
export { connectBosh, type BoshOptions } from './bosh-client.js';
export { connectWs } from './ws-client.js';
export type { Endpoint, Credentials, TransportName, XmppConnection } from './xmpp-connection.js';
export { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
export { runBench } from './run.js';
export type { Figure, ScenarioResult } from './scenario.js';
export type { ScenarioRun, Ratio } from './report.js';
