// /chat/gadget.xml: the node fills in the absolute address of its /chat/ page, escaped for XML
// (the Host header comes from the client).
import { describe, expect, it } from '@jest/globals';
import { renderGadgetSpec, xmlAttr } from './gadget-spec.js';

describe('the gadget definition', () => {
  it('puts the chat page address in every placeholder', () => {
    expect(renderGadgetSpec('<Content href="{{chat-url}}?embed=gadget"/><x a="{{chat-url}}"/>', 'https://chat.example.com:5280/chat/')).toBe(
      '<Content href="https://chat.example.com:5280/chat/?embed=gadget"/><x a="https://chat.example.com:5280/chat/"/>',
    );
  });

  it('escapes what could end the attribute or start markup', () => {
    expect(xmlAttr(`a"b'c<d>e&f`)).toBe('a&quot;b&apos;c&lt;d&gt;e&amp;f');
    expect(renderGadgetSpec('href="{{chat-url}}"', 'http://x"/><evil/>')).toBe('href="http://x&quot;/&gt;&lt;evil/&gt;"');
  });
});
