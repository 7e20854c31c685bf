import type { SsoFlow } from './sso-tokens';

/**
 * Where the browser goes once the IdP has answered: the flow's login
 * redirect URL for a known person, its signup one for someone new, carrying
 * the token as Stytch does (stytch_token_type=sso&token=…).
 */
export function redirectAfterSignIn(
  flow: Pick<SsoFlow, 'login_redirect_url' | 'signup_redirect_url'>,
  token: string,
  isNewMember = false,
): string {
  const target = (isNewMember ? flow.signup_redirect_url : flow.login_redirect_url) ?? flow.login_redirect_url ?? flow.signup_redirect_url;
  if (!target) throw new Error('An SSO flow always records its redirect URLs.');
  const url = new URL(target);
  url.searchParams.set('stytch_token_type', 'sso');
  url.searchParams.set('token', token);
  return url.toString();
}
