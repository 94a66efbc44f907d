// Shared set-up for the files tests: the file modules in the in-process harness with a clock the
// test moves, and a helper that asks for an XEP-0363 slot.
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { Harness, type HarnessClient } from '@deskchat/testing';
import type { Module } from '@deskchat/core';
import { filePolicyModule, FILE_POLICY_SERVICE } from '../policy/policy-module.js';
import type { FilePolicyService } from '../policy/policy-service.js';
import { parseFilePolicy, type FilePolicy } from '../policy/policy.js';
import { NS_HTTP_UPLOAD } from '../refusals.js';
import { httpUploadModule } from '../upload/upload-module.js';
import { FILE_UPLOAD_SERVICE, type UploadService } from '../upload/upload-service.js';

export const BASE_URL = 'https://chat.example.com:5280';

export interface FilesKit {
  harness: Harness;
  clock: { now: number };
  policies: FilePolicyService;
  uploads: UploadService;
  connect(username: string, resource?: string): Promise<HarnessClient>;
}

export async function filesKit(options: { policy?: Partial<FilePolicy>; downloadRequiresAuth?: boolean; modules?: (policy: FilePolicy) => Module<any>[] } = {}): Promise<FilesKit> {
  const clock = { now: Date.UTC(2025, 0, 1) };
  const policy = parseFilePolicy(options.policy ?? {});
  const harness = await Harness.create({
    modules: [
      filePolicyModule(policy),
      httpUploadModule({ expiryHours: 72, slotSeconds: 300, downloadRequiresAuth: options.downloadRequiresAuth ?? false, publicUrl: () => BASE_URL, now: () => clock.now }),
      ...(options.modules?.(policy) ?? []),
    ],
  });
  for (const user of ['alice', 'bob', 'carol']) await harness.addUser(user);
  return {
    harness,
    clock,
    policies: harness.core.services.get(FILE_POLICY_SERVICE) as FilePolicyService,
    uploads: harness.core.services.get(FILE_UPLOAD_SERVICE) as UploadService,
    connect: (username, resource) => harness.connect(username, resource ? { resource } : {}),
  };
}

/** An XEP-0363 §4 slot request; resolves with the reply. */
export function requestSlot(client: HarnessClient, attrs: Record<string, string>, to = 'localhost/upload'): Promise<Element> {
  return client.iq(xml('iq', { type: 'get', to }, xml('request', { xmlns: NS_HTTP_UPLOAD, ...attrs })));
}

export function slotUrl(reply: Element): string {
  const slot = reply.getChild('slot', NS_HTTP_UPLOAD);
  if (!slot) throw new Error(`no slot in ${reply.toString()}`);
  return slot.getChild('put')!.attrs.url as string;
}
