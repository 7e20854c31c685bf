import { appError } from '../helpers/assertions';
import { checkIdpUrl } from '../../src/services/sso/connections/idp-url';

describe('checkIdpUrl', () => {
  it('accepts https anywhere', () => {
    expect(checkIdpUrl('issuer', 'https://idp.example.com/o', false)).toBe('https://idp.example.com/o');
  });

  it('accepts plain http on loopback only when the setting allows it', () => {
    for (const url of ['http://127.0.0.1:8080/o', 'http://localhost/o', 'http://[::1]:9000/o']) {
      expect(checkIdpUrl('issuer', url, true)).toBe(url);
      expect(appError(() => checkIdpUrl('issuer', url, false))).toMatchObject({ errorType: 'invalid_sso_idp_url', statusCode: 400 });
    }
  });

  it('refuses plain http off loopback, other schemes and non-URLs even with the setting on', () => {
    for (const url of ['http://idp.example.com', 'http://127.0.0.1.example.com', 'ftp://127.0.0.1/x', 'not a url']) {
      expect(appError(() => checkIdpUrl('issuer', url, true)).errorType).toBe('invalid_sso_idp_url');
    }
  });
});
