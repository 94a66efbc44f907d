// The browser apps this package builds, and where the server mounts them.
export type WebAppName = 'chat' | 'admin';

export const WEB_APPS: Record<WebAppName, { mount: string; title: string }> = {
  /** The desktop-chat gadget, on the HTTP port (5280) beside BOSH and WebSocket. */
  chat: { mount: '/chat/', title: 'Desktop Chat' },
  /** The admin page, at the root of the admin port (5281). */
  admin: { mount: '/', title: 'DeskChat administration' },
};
