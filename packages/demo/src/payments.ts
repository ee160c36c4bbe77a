// The demo tenants' accounts with the payment providers. `npm start` registers them with the provider sandbox and
// finance seeds its provider configs from them (credentials encrypted there), so the two agree without setup.
// Sandbox credentials only: public on purpose, accepted by nothing but packages/provider-sandbox.

export interface DemoPaymentAccounts {
  tenantId: string;
  /** The currency the tenant's accounts collect in. */
  currency: 'NGN' | 'GHS';
  mpesa: { consumerKey: string; consumerSecret: string; shortCode: string; passkey: string; initiatorName: string; securityCredential: string };
  momo: { apiUser: string; apiKey: string; subscriptionKey: string; targetEnvironment: string; disbursementSubscriptionKey: string };
  paystack: { secretKey: string; publicKey: string };
}

function accounts(tenantId: string, key: string, currency: 'NGN' | 'GHS', shortCode: string, apiUser: string): DemoPaymentAccounts {
  return {
    tenantId,
    currency,
    mpesa: { consumerKey: `${key}-daraja-consumer-key`, consumerSecret: `${key}-daraja-consumer-secret`, shortCode, passkey: `${key}-stk-passkey-bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919`, initiatorName: 'testapi', securityCredential: `${key}-b2c-security-credential` },
    momo: { apiUser, apiKey: `${key}-momo-api-key`, subscriptionKey: `${key}-momo-collection-subscription-key`, targetEnvironment: 'sandbox', disbursementSubscriptionKey: `${key}-momo-disbursement-subscription-key` },
    paystack: { secretKey: `sk_test_${key}_omniroute_sandbox`, publicKey: `pk_test_${key}_omniroute_sandbox` },
  };
}

export function demoPaymentAccounts(): DemoPaymentAccounts[] {
  return [
    accounts('tnt_LAGOS', 'lagos', 'NGN', '174379', '5f3c2d1e-8a4b-4c6d-9e0f-1a2b3c4d5e6f'),
    accounts('tnt_ACCRA', 'accra', 'GHS', '174380', '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d'),
  ];
}

/** The demo tenants' Africa's Talking accounts (SMS for collections' reminders), registered with the sandbox too. */
export interface DemoSmsAccount { tenantId: string; username: string; apiKey: string; senderId: string }

export function demoSmsAccounts(): DemoSmsAccount[] {
  return [
    { tenantId: 'tnt_LAGOS', username: 'lagos-fmcg', apiKey: 'atsk_lagos_omniroute_sandbox', senderId: 'LAGOSFMCG' },
    { tenantId: 'tnt_ACCRA', username: 'accra-wholesale', apiKey: 'atsk_accra_omniroute_sandbox', senderId: 'ACCRAWHSL' },
  ];
}
