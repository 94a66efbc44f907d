// @deskchat/files: file transfer under one administrator's policy (issue #10): the policy and its
// checks, XEP-0363 HTTP upload (module and Koa router), SI/Jingle/IBB offer checks, and the
// XEP-0065 SOCKS5 proxy (a net.Server factory). Imports protocol and core only; never listens.
export { DEFAULT_FILE_POLICY, POLICY_KEYS, parseFilePolicy, type FilePolicy } from './policy/policy.js';
export { FilePolicyService, FILE_POLICY_KEY, type PolicyReport } from './policy/policy-service.js';
export { filePolicyModule, FILE_POLICY_SERVICE } from './policy/policy-module.js';
export { checkContent, checkName, checkOffer, checkUsage, extensionOf, type OfferedFile, type Usage } from './policy/check.js';
export { sniff, SNIFF_BYTES, type Sniffed } from './policy/sniff.js';
export { Refusal, NS_HTTP_UPLOAD, formatBytes, type RefusalCode } from './refusals.js';
export type { FileRefused, FileStored, RefusalPoint } from './events.js';
export { DEFAULT_FILES_OPTIONS, parseFilesOptions, type FilesOptions, type ProxyOptions } from './options.js';
export { UploadService, FILE_UPLOAD_SERVICE, FILES_PATH, type UploadServiceInit } from './upload/upload-service.js';
export { httpUploadModule, NS_FILE_OFFER, NS_OOB, UPLOAD_RESOURCE, type HttpUploadModuleOptions } from './upload/upload-module.js';
export { createFilesRouter, expectContinue, type FilesRouterOptions } from './upload/http-router.js';
export { HttpFailure } from './upload/failures.js';
export { peerOffersModule, PEER_OFFERS_SERVICE } from './p2p/peer-offers-module.js';
export { OfferRegistry } from './p2p/offer-registry.js';
export { NS_BYTESTREAMS, NS_IBB, NS_JINGLE, NS_SI, NS_SI_FILE } from './p2p/offer-readers.js';
export { proxy65Module, PROXY_SERVICE, PROXY_RESOURCE } from './proxy/proxy-module.js';
export { Socks5Proxy, streamHash, type Socks5ProxyOptions } from './proxy/socks5-proxy.js';
export { filesModules } from './modules.js';
