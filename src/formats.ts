/**
 * Value formats shared by the JSON Schemas of the API and the CSV importer,
 * so both accept exactly the same values.
 */
// Surrounding spaces are allowed and trimmed by normalization.
export const EMAIL_PATTERN = '^\\s*[^\\s@]{1,64}@[^\\s@]+\\.[^\\s@]+\\s*$';
export const EMAIL_MAX_LENGTH = 320;
/** E.164, or empty for "none". */
export const PHONE_PATTERN = '^(\\+[1-9][0-9]{6,14})?$';
export const EXTERNAL_ID_PATTERN = '^[A-Za-z0-9._|-]*$';
export const EXTERNAL_ID_MAX_LENGTH = 128;
export const SLUG_PATTERN = '^(?=.*[A-Za-z0-9])[A-Za-z0-9._~-]{2,128}$';
export const DOMAIN_PATTERN = '^\\s*([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\s*$';
export const MEMBER_NAME_MAX_LENGTH = 255;
