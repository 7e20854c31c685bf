/** The locales Stytch's SMS copy comes in; any other gets English. */
const TEXTS: Record<string, (code: string, organization: string, minutes: number) => string> = {
  en: (code, org, min) => `${code} is your ${org} verification code. It expires in ${min} minutes.`,
  es: (code, org, min) => `${code} es tu código de verificación de ${org}. Caduca en ${min} minutos.`,
  fr: (code, org, min) => `${code} est votre code de vérification ${org}. Il expire dans ${min} minutes.`,
  'pt-br': (code, org, min) => `${code} é o seu código de verificação ${org}. Ele expira em ${min} minutos.`,
};

/** The name as a text shows it: one short line (an SMS segment is 160 characters). */
const shortName = (name: string) => {
  const line = name.replace(/\s+/g, ' ').trim();
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
};

export function smsLocale(locale: string | undefined): string {
  const key = (locale ?? 'en').toLowerCase();
  return key in TEXTS ? key : 'en';
}

export function renderSms(locale: string, code: string, organizationName: string, minutes: number): string {
  return TEXTS[smsLocale(locale)](code, shortName(organizationName), minutes);
}
