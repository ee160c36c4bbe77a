import { describe, expect, it } from 'vitest';
import { dec } from '@omniroute/core';
import { matchStatus, parseCsv, readReport, ReportError } from './settlement.rules.ts';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n1,2')).toEqual([{ a: 'x, y', b: 'say "hi"' }, { a: '1', b: '2' }]);
    expect(() => parseCsv('a\n"open')).toThrow(ReportError);
  });
});

describe('readReport', () => {
  it('M-PESA statement: paid in is a collection, withdrawn a payout, charges are fees of their linked line', () => {
    const csv = [
      'Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No.',
      'SBX0000001,2026-12-05 10:00:00,2026-12-05 09:59:58,Pay Bill Online from 254700000042,Completed,"1,000.00",,1000.00,true,Pay Bill Online,254700000042,,INV-1',
      'SBX0000001C,2026-12-05 10:00:00,2026-12-05 10:00:00,Pay Bill Charge,Completed,,-10.00,990.00,true,Pay Bill Charge,,SBX0000001,',
      'SBP0000002,2026-12-05 11:00:00,2026-12-05 11:00:00,Business Payment to 254700000077,Completed,,-500.00,490.00,true,Business Payment,254700000077,,',
      'SBX0000003,2026-12-05 12:00:00,2026-12-05 12:00:00,Pay Bill Online,Failed,5.00,,490.00,true,Pay Bill Online,,,',
    ].join('\n');
    const lines = readReport('MPESA', csv, 'KES');
    expect(lines.map((l) => [l.kind, l.reference, l.amount.toString(), l.fee.toString(), l.currency])).toEqual([
      ['COLLECTION', 'SBX0000001', '1000', '10', 'KES'],
      ['PAYOUT', 'SBP0000002', '500', '0', 'KES'],
    ]);
    expect(lines[0]!.occurredAt.toISOString()).toBe('2026-12-05T07:00:00.000Z'); // East Africa Time
  });
  it('MoMo report: transfers are payouts, the external id is ours', () => {
    const csv = 'Id,External Transaction Id,Date,Status,Type,From,To,Amount,Fee,Currency,Balance\n1000000001,pay_1,2026-12-05T10:00:00Z,SUCCESSFUL,REQUEST_TO_PAY,233240000042,,25.00,0.25,GHS,\n2000000002,pyo_2,2026-12-05T11:00:00Z,SUCCESSFUL,TRANSFER,,233240000042,10.00,0.10,GHS,\n3,x,2026-12-05T11:00:00Z,FAILED,TRANSFER,,,1.00,0,GHS,';
    expect(readReport('MTN_MOMO', csv, 'GHS').map((l) => [l.kind, l.reference, l.altReference, l.amount.toString(), l.fee.toString()])).toEqual([
      ['COLLECTION', '1000000001', 'pay_1', '25', '0.25'],
      ['PAYOUT', '2000000002', 'pyo_2', '10', '0.1'],
    ]);
  });
  it('Paystack export: transactions and transfers in major units', () => {
    const csv = 'Type,Reference,Amount,Fees,Currency,Status,Paid At,Channel,Transfer Code\ntransaction,pay_1,5000.00,75.00,NGN,success,2026-12-05T10:00:00Z,mobile_money,\ntransfer,pyo_2,250.00,10.00,NGN,success,2026-12-05T11:00:00Z,,TRF_1';
    expect(readReport('PAYSTACK', csv, 'NGN').map((l) => [l.kind, l.reference, l.altReference, l.amount.toString()])).toEqual([['COLLECTION', 'pay_1', null, '5000'], ['PAYOUT', 'pyo_2', 'TRF_1', '250']]);
  });
  it('refuses a file in another format or with bad amounts', () => {
    expect(() => readReport('MTN_MOMO', 'Reference,Amount\nx,1', 'GHS')).toThrow(/lacks the columns/);
    expect(() => readReport('PAYSTACK', 'Type,Reference,Amount,Fees,Currency,Status,Paid At\ntransaction,r,1e5,0,NGN,success,2026-12-05T10:00:00Z', 'NGN')).toThrow(/not an amount/);
  });
});

describe('matchStatus', () => {
  it('matches by amount and our status', () => {
    expect(matchStatus({ amount: dec('10') }, null)).toBe('UNMATCHED');
    expect(matchStatus({ amount: dec('10') }, { amount: '10.0000', status: 'SUCCEEDED' })).toBe('MATCHED');
    expect(matchStatus({ amount: dec('10') }, { amount: '9', status: 'SUCCEEDED' })).toBe('AMOUNT_MISMATCH');
    expect(matchStatus({ amount: dec('10') }, { amount: '10', status: 'PENDING' })).toBe('STATUS_MISMATCH');
  });
});
