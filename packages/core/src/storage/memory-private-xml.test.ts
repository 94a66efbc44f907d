import { privateXmlStoreContract } from '@deskchat/testing';
import { MemoryPrivateXmlStore } from './memory-private-xml.js';

privateXmlStoreContract('memory', async () => ({ store: new MemoryPrivateXmlStore() }));
