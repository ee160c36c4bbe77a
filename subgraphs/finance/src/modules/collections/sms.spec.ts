import { describe, expect, it } from 'vitest';
import { deliveryApplies, deliveryReportToken, readDeliveryReport, verifyDeliveryReportToken } from './sms.ts';

describe("Africa's Talking delivery reports", () => {
  it('reads the form, normalising the status', () => {
    const f = new URLSearchParams({ id: 'ATXid_1', status: 'AbsentSubscriber', phoneNumber: '+254711000001', networkCode: '63902', failureReason: 'AbsentSubscriber', retryCount: '0' });
    expect(readDeliveryReport(f)).toEqual({ messageId: 'ATXid_1', status: 'ABSENT_SUBSCRIBER', phoneNumber: '+254711000001', failureReason: 'AbsentSubscriber' });
    expect(readDeliveryReport(new URLSearchParams({ id: 'ATXid_1', status: 'Success' }))?.status).toBe('SUCCESS');
    expect(readDeliveryReport(new URLSearchParams({ id: 'ATXid_1', status: 'Teleported' }))).toBeNull();
    expect(readDeliveryReport(new URLSearchParams({ status: 'Success' }))).toBeNull();
  });
  it('the first final word stands; intermediate reports move only intermediate states', () => {
    expect(deliveryApplies(null, 'BUFFERED')).toBe(true);
    expect(deliveryApplies('BUFFERED', 'SUCCESS')).toBe(true);
    expect(deliveryApplies('SENT', 'BUFFERED')).toBe(true);
    expect(deliveryApplies('SUCCESS', 'BUFFERED')).toBe(false);
    expect(deliveryApplies('SUCCESS', 'FAILED')).toBe(false);
    expect(deliveryApplies('FAILED', 'SUCCESS')).toBe(false);
    expect(deliveryApplies('SUCCESS', 'SUCCESS')).toBe(false);
  });
  it("the URL's token is the tenant's, under the account's API key", () => {
    const t = deliveryReportToken('tnt_A', 'key-a');
    expect(verifyDeliveryReportToken('tnt_A', 'key-a', t)).toBe(true);
    expect(verifyDeliveryReportToken('tnt_B', 'key-a', t)).toBe(false);
    expect(verifyDeliveryReportToken('tnt_A', 'key-b', t)).toBe(false);
    expect(verifyDeliveryReportToken('tnt_A', 'key-a', null)).toBe(false);
    expect(verifyDeliveryReportToken('tnt_A', 'key-a', `${t}x`)).toBe(false);
  });
});
