/**
 * Unit tests of the pure pieces of compliance: the configuration's bounds (spec §5.3), the
 * TimeSpan format, the three time encodings (spec §5.5, checked against the spec's own pair of
 * values), the XML escaping writer, the test parser's strictness, and when a run is due.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextRunDue, RETRY_AFTER_FAILURE_MS } from '../../src/compliance/processor.ts';
import { utcTime } from '../../src/compliance/times.ts';
import { escapeAttribute, XmlWriter } from '../../src/compliance/xml-writer.ts';
import {
  checkComplianceChanges,
  DEFAULT_COMPLIANCE_CONFIG,
  formatTimeSpan,
  parseTimeSpan,
  resolveComplianceConfig,
} from '../../src/domain/compliance-config.ts';
import { StoaError } from '../../src/domain/errors.ts';
import { attr, parseXml } from './support/xml.ts';

const refused = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof StoaError && e.code === 'validation_failed');

describe('compliance configuration (spec §5.3)', () => {
  test('defaults: XML adapter, 15 minutes, every option off', () => {
    assert.equal(DEFAULT_COMPLIANCE_CONFIG.AdapterType, 'xml');
    assert.equal(DEFAULT_COMPLIANCE_CONFIG.RunInterval, 15 * 60_000);
    assert.equal(DEFAULT_COMPLIANCE_CONFIG.OneChatRoomPerOutputFile, false);
    assert.equal(DEFAULT_COMPLIANCE_CONFIG.AddChatRoomDetails, false);
    assert.equal(DEFAULT_COMPLIANCE_CONFIG.AddUserDetails, false);
    assert.equal(DEFAULT_COMPLIANCE_CONFIG.CreateFileAttachmentsManifest, false);
    assert.deepEqual(resolveComplianceConfig({}), DEFAULT_COMPLIANCE_CONFIG);
  });

  test('RunInterval is a TimeSpan from 1 minute to 30 days', () => {
    assert.deepEqual(checkComplianceChanges({ RunInterval: '00:01:00' }), { RunInterval: '60000' });
    assert.deepEqual(checkComplianceChanges({ RunInterval: '30.00:00:00' }), {
      RunInterval: String(30 * 86_400_000),
    });
    refused(() => checkComplianceChanges({ RunInterval: '00:00:59' }));
    refused(() => checkComplianceChanges({ RunInterval: '30.00:00:01' }));
    refused(() => checkComplianceChanges({ RunInterval: '15 minutes' }));
    refused(() => checkComplianceChanges({ RunInterval: 900 }));
    // A test may lower the minimum.
    assert.deepEqual(checkComplianceChanges({ RunInterval: '00:00:00.2' }, 100), { RunInterval: '200' });
  });

  test('TimeSpan parsing and formatting', () => {
    assert.equal(parseTimeSpan('00:15:00'), 900_000);
    assert.equal(parseTimeSpan('1.02:03:04.5'), ((26 * 60 + 3) * 60 + 4) * 1000 + 500);
    assert.equal(parseTimeSpan('00:60:00'), undefined);
    assert.equal(parseTimeSpan('24:00:00'), undefined);
    assert.equal(formatTimeSpan(900_000), '00:15:00');
    assert.equal(formatTimeSpan(30 * 86_400_000), '30.00:00:00');
    assert.equal(formatTimeSpan(200), '00:00:00.2000000');
    for (const ms of [60_000, 86_399_999, 30 * 86_400_000, 1234])
      assert.equal(parseTimeSpan(formatTimeSpan(ms)), ms);
  });

  test('other parameters: types and values checked, unknown names refused', () => {
    assert.deepEqual(
      checkComplianceChanges({
        AdapterType: 'jsonl',
        OneChatRoomPerOutputFile: true,
        AddUserDetails: 'false',
        ChannelUriDomain: 'Example.COM',
      }),
      {
        AdapterType: 'jsonl',
        OneChatRoomPerOutputFile: 'true',
        AddUserDetails: 'false',
        ChannelUriDomain: 'example.com',
      },
    );
    refused(() => checkComplianceChanges({ AdapterType: 'Microsoft.Rtc.XmlAdapter' }));
    refused(() => checkComplianceChanges({ AddChatRoomDetails: 'yes' }));
    refused(() => checkComplianceChanges({ ChannelUriDomain: 'not a domain' }));
    refused(() => checkComplianceChanges({ AdapterName: 'a\nb' }));
    refused(() => checkComplianceChanges({ CustomConfiguration: '<xsl:stylesheet/>' }));
  });

  test('stored values that no longer pass fall back to their defaults', () => {
    const c = resolveComplianceConfig({
      RunInterval: '5',
      AdapterType: 'csv',
      AddUserDetails: 'true',
      x: 'y',
    });
    assert.equal(c.RunInterval, DEFAULT_COMPLIANCE_CONFIG.RunInterval);
    assert.equal(c.AdapterType, 'xml');
    assert.equal(c.AddUserDetails, true);
  });
});

describe('time encodings (spec §5.5)', () => {
  test("the spec's sample pair: 1700000000000 ms is 638355968000000000 ticks", () => {
    assert.deepEqual(utcTime(1_700_000_000_000), {
      since1970: '1700000000000',
      string: '2023-11-14T22:13:20.0000000Z',
      long: '638355968000000000',
    });
  });

  test('the three encodings agree, with millisecond precision and seven fractional digits', () => {
    for (const ms of [0, 1, 1_212_610_540_953, 1_789_000_000_123]) {
      const t = utcTime(ms);
      assert.match(t.string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
      assert.equal(Date.parse(t.string), ms);
      // One day is 864,000,000,000 ticks; the epochs are 719,162 days apart.
      assert.equal(BigInt(t.long) - BigInt(ms) * 10_000n, 719_162n * 864_000_000_000n);
    }
  });
});

describe('XML writing and the strict test parser', () => {
  test('escaped attribute values survive a parse unchanged; impossible characters become U+FFFD', () => {
    const values = ['plain', 'a & b < c > d "e" \'f\'', 'tab\there\nline\r\n', '中文 😀', '&amp;', ']]>'];
    const w = new XmlWriter().start('r');
    for (const v of values) w.empty('v', [['x', v]]);
    w.empty('bad', [['x', 'nul\u0000 bell\u0007 lone\ud800 end\uffff']]);
    const root = parseXml(w.end().toString());
    assert.deepEqual(
      root.children.slice(0, values.length).map((c) => attr(c, 'x')),
      values,
    );
    const bad = root.children[values.length];
    assert.ok(bad);
    assert.equal(attr(bad, 'x'), 'nul\ufffd bell\ufffd lone\ufffd end\ufffd');
    assert.equal(escapeAttribute('no escapes'), 'no escapes');
  });

  test('the parser refuses documents that are not well-formed', () => {
    const bad = [
      '<a><b></a>',
      '<a x="1" x="2"/>',
      '<a>&nbsp;</a>',
      '<a>\u0001</a>',
      '<a x="<"/>',
      '<a/><b/>',
      '<a x=1/>',
      '<a>&#0;</a>',
      '<a',
      '<a>]]></a>',
      '<a y="1"x="2"/>',
      '<!DOCTYPE a><a/>',
    ];
    for (const doc of bad) assert.throws(() => parseXml(doc), `accepted ${JSON.stringify(doc)}`);
    const ok = parseXml(
      '<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><a k=\'v\'>t&lt;<b/><![CDATA[<x>]]></a>\n',
    );
    assert.equal(ok.name, 'a');
    assert.equal(ok.text, 't<<x>');
  });
});

describe('when a scheduled run is due', () => {
  const interval = 15 * 60_000;
  test('RunInterval after the last success (or after start when there was none)', () => {
    assert.equal(nextRunDue({ lastRunAt: null, lastSuccessAt: null }, interval, 1000), 1000 + interval);
    assert.equal(nextRunDue({ lastRunAt: null, lastSuccessAt: null }, interval, null), null);
    assert.equal(nextRunDue({ lastRunAt: 5000, lastSuccessAt: 5000 }, interval, 0), 5000 + interval);
  });
  test('after a failure, a minute after the failed attempt (not at every tick)', () => {
    const failedAt = 10 * interval;
    assert.equal(
      nextRunDue({ lastRunAt: failedAt, lastSuccessAt: 0 }, interval, 0),
      failedAt + RETRY_AFTER_FAILURE_MS,
    );
    // A short interval retries at that interval.
    assert.equal(nextRunDue({ lastRunAt: failedAt, lastSuccessAt: 0 }, 200, 0), failedAt + 200);
  });
});
