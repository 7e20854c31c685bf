import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { phoneIdOf } from '../../src/services/mfa/sms/sms-otp.service';
import { renderSms, smsLocale } from '../../src/services/mfa/sms/sms-templates';
import { signWebhook } from '../../src/services/mfa/sms/webhook-sender';

describe('SMS settings', () => {
  it('uses the dev outbox unless SMS_WEBHOOK_URL is set', () => {
    expect(loadConfig({})).toMatchObject({ smsWebhookUrl: undefined, smsWebhookSecret: undefined });
    expect(loadConfig({ SMS_WEBHOOK_URL: 'https://sms.example.com/hook', SMS_WEBHOOK_SECRET: 'a'.repeat(16) })).toMatchObject({
      smsWebhookUrl: 'https://sms.example.com/hook',
      smsWebhookSecret: 'a'.repeat(16),
    });
  });

  it.each([
    [{ SMS_WEBHOOK_URL: 'ftp://sms.example.com' }, /SMS_WEBHOOK_URL must be an http\(s\) URL/],
    [{ SMS_WEBHOOK_URL: 'https://sms.example.com', SMS_WEBHOOK_SECRET: 'short' }, /SMS_WEBHOOK_SECRET must be at least 16 characters/],
    [{ SMS_WEBHOOK_SECRET: 'a'.repeat(16) }, /SMS_WEBHOOK_SECRET needs SMS_WEBHOOK_URL/],
  ])('refuses %j', (env, problem) => {
    expect(() => loadConfig(env)).toThrow(problem);
  });
});

describe('SMS webhook signatures', () => {
  it("sign `<t>.<body>` with HMAC-SHA256, Stripe's scheme", () => {
    const body = '{"to":"+15555550100"}';
    const signature = signWebhook('s'.repeat(20), body, new Date('2026-12-20T00:00:00Z'));
    const t = Date.parse('2026-12-20T00:00:00Z') / 1000;
    expect(signature).toBe(`t=${t},v1=${createHmac('sha256', 's'.repeat(20)).update(`${t}.${body}`).digest('hex')}`);
  });
});

describe('SMS texts', () => {
  it('come in the locales Stytch offers, and in English otherwise', () => {
    expect(renderSms('en', '012345', 'Acme', 2)).toBe('012345 is your Acme verification code. It expires in 2 minutes.');
    expect(renderSms('es', '012345', 'Acme', 2)).toMatch(/^012345 es tu código/);
    expect(renderSms('PT-BR', '012345', 'Acme', 2)).toMatch(/^012345 é o seu código/);
    expect(smsLocale('de-DE')).toBe('en');
    expect(smsLocale(undefined)).toBe('en');
  });

  it('keep a long or multi-line organization name to one short line', () => {
    const text = renderSms('en', '012345', `Acme\n${'x'.repeat(100)}`, 2);
    expect(text).not.toContain('\n');
    expect(text.length).toBeLessThanOrEqual(160);
  });
});

describe('phone ids', () => {
  const member = '01900000-0000-7000-8000-000000000001';
  it('are stable for a member and number, and differ otherwise', () => {
    const id = phoneIdOf('test', member, '+15555550100');
    expect(id).toMatch(/^phone-number-test-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(phoneIdOf('test', member, '+15555550100')).toBe(id);
    expect(phoneIdOf('test', member, '+15555550101')).not.toBe(id);
    expect(phoneIdOf('test', '01900000-0000-7000-8000-000000000002', '+15555550100')).not.toBe(id);
  });
});
