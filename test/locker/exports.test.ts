import { expect, test } from 'vitest';
import * as locker from '../../src/locker/index.js';

test('the locker module keeps its named exports (a test fails if one disappears)', () => {
  const functions = [
    'loadLockerConfig', 'parseLockerConfig', 'folderLockerConfig', 'retentionFor', 'openLocker', 'credentialsMissing',
    'packetKey', 'indexKey', 'parseIndexKey', 'ledgerKey', 'ledgerTimestampKey', 'parseLedgerKey',
    'parseIndexEntry', 'serializeIndexEntry', 'appendLedgerEntry', 'readLedger', 'parseLedgerEntry', 'serializeLedgerEntry',
    'lockAndConfirm', 'holdAndConfirm', 'covers', 'pushPacket', 'pullPacket', 'pullAll', 'listEntries', 'findEntry',
    'compactIndex', 'parseIndexPackKey', 'indexPackKey', 'setHold', 'extendRetention', 'verifyLocker', 'hashStream', 'ledgerStamper', 'onInterrupt', 'runInterruptCleanups',
    'FolderBackend', 'ObjectExistsError', 'LockRefusedError',
  ];
  for (const name of functions) expect(typeof (locker as Record<string, unknown>)[name], name).toBe('function');
  expect(locker.LEDGER_FORMAT).toBe('evidence-packet/locker-ledger/v1');
  expect(locker.INDEX_FORMAT).toBe('evidence-packet/locker-index/v1');
  expect(locker.INDEX_PACK_FORMAT).toBe('evidence-packet/locker-index-pack/v1');
});
