/**
 * Vendor tokens recognised by a well-known prefix. The facts (prefix, alphabet, length) come from
 * the public gitleaks and trufflehog rule sets and the vendors' own documentation; the rules are
 * written here, one regex per vendor, each anchored on its literal prefix (the keyword).
 */
import type { RuleSpec } from './defaults.js';

/** `\b` that also refuses a neighbouring `-` or `_`, so `sk-learn` or `npm_config_x` never start a match. */
const START = '(?<![A-Za-z0-9_-])';
const END = '(?![A-Za-z0-9_-])';

interface Prefixed {
  id: string;
  what: string;
  regex: string;
  keywords: string[];
}

const TOKENS: readonly Prefixed[] = [
  { id: 'stripe-key', what: 'Stripe secret, restricted and webhook keys (sk_live_, rk_live_, sk_test_, whsec_)', regex: `${START}(?:[sr]k_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9+/=]{24,})${END}`, keywords: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_', 'whsec_'] },
  { id: 'npm-token', what: 'npm access tokens (npm_ + 36 base62)', regex: `${START}npm_[A-Za-z0-9]{36}${END}`, keywords: ['npm_'] },
  { id: 'pypi-token', what: 'PyPI upload tokens (pypi-AgEIcHlwaS5vcmc...)', regex: `${START}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`, keywords: ['pypi-'] },
  { id: 'google-api-key', what: 'Google API keys (AIza + 35)', regex: `${START}AIza[A-Za-z0-9_-]{35}${END}`, keywords: ['AIza'] },
  { id: 'google-oauth-token', what: 'Google OAuth access tokens (ya29.)', regex: `${START}ya29\\.[A-Za-z0-9_-]{20,}`, keywords: ['ya29.'] },
  { id: 'openai-key', what: 'OpenAI keys (sk-proj-, sk-svcacct-, sk-admin-)', regex: `${START}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}`, keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-'] },
  { id: 'openai-key', what: 'OpenAI legacy keys (sk- + 20 + T3BlbkFJ + 20)', regex: `${START}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`, keywords: ['T3BlbkFJ'] },
  { id: 'anthropic-key', what: 'Anthropic API keys (sk-ant-api03-, sk-ant-admin01-)', regex: `${START}sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_-]{32,}`, keywords: ['sk-ant-'] },
  { id: 'sendgrid-key', what: 'SendGrid API keys (SG.<22>.<43>)', regex: `${START}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${END}`, keywords: ['SG.'] },
  { id: 'shopify-token', what: 'Shopify tokens (shpat_, shpss_, shpca_, shppa_ + 32 hex)', regex: `${START}shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}${END}`, keywords: ['shpat_', 'shpss_', 'shpca_', 'shppa_'] },
  { id: 'digitalocean-token', what: 'DigitalOcean tokens (dop_v1_, doo_v1_, dor_v1_ + 64 hex)', regex: `${START}do[opr]_v1_[a-f0-9]{64}${END}`, keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'] },
  { id: 'dockerhub-token', what: 'Docker Hub personal access tokens (dckr_pat_)', regex: `${START}dckr_pat_[A-Za-z0-9_-]{27,}`, keywords: ['dckr_pat_'] },
  { id: 'huggingface-token', what: 'Hugging Face tokens (hf_ + 34 letters)', regex: `${START}hf_[A-Za-z]{34}${END}`, keywords: ['hf_'] },
  { id: 'twilio-key', what: 'Twilio API key sids (SK + 32 hex)', regex: `${START}SK[0-9a-fA-F]{32}${END}`, keywords: ['SK'] },
  { id: 'age-secret-key', what: 'age secret keys (AGE-SECRET-KEY-1 + 58 bech32)', regex: `AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`, keywords: ['AGE-SECRET-KEY-'] },
  { id: 'databricks-token', what: 'Databricks tokens (dapi + 32 hex)', regex: `${START}dapi[a-f0-9]{32}(?:-\\d)?${END}`, keywords: ['dapi'] },
  { id: 'grafana-token', what: 'Grafana service account and cloud tokens (glsa_, glc_)', regex: `${START}(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})`, keywords: ['glsa_', 'glc_'] },
  { id: 'postman-key', what: 'Postman API keys (PMAK-)', regex: `${START}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${END}`, keywords: ['PMAK-'] },
  { id: 'newrelic-key', what: 'New Relic user API keys (NRAK-)', regex: `${START}NRAK-[A-Z0-9]{27}${END}`, keywords: ['NRAK-'] },
  { id: 'doppler-token', what: 'Doppler tokens (dp.pt., dp.st., dp.sa., dp.ct., dp.scim.)', regex: `${START}dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,}`, keywords: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'] },
  { id: 'terraform-token', what: 'Terraform Cloud / HCP tokens (<14>.atlasv1.<60+>)', regex: `${START}[a-z0-9]{14}\\.atlasv1\\.[a-z0-9_=-]{60,}`, keywords: ['atlasv1'] },
  { id: 'linear-key', what: 'Linear API keys (lin_api_ + 40)', regex: `${START}lin_api_[A-Za-z0-9]{40}${END}`, keywords: ['lin_api_'] },
  { id: 'square-token', what: 'Square access tokens and OAuth secrets (sq0atp-, sq0csp-)', regex: `${START}(?:sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43})${END}`, keywords: ['sq0atp-', 'sq0csp-'] },
  { id: 'square-token', what: 'Square production access tokens (EAAA + 60)', regex: `${START}EAAA[A-Za-z0-9_-]{60}${END}`, keywords: ['EAAA'] },
  { id: 'alibaba-key-id', what: 'Alibaba Cloud access key ids (LTAI + 20)', regex: `${START}LTAI[A-Za-z0-9]{20}${END}`, keywords: ['LTAI'] },
  { id: 'azure-client-secret', what: 'Azure AD (Entra) client secrets (<3><digit>Q~<31-34>)', regex: `${START}[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}${END}`, keywords: ['Q~'] },
  { id: 'telegram-bot-token', what: 'Telegram bot tokens (<bot id>:AA<33>)', regex: `${START}\\d{8,10}:AA[A-Za-z0-9_-]{33}${END}`, keywords: [':AA'] },
  { id: 'sentry-token', what: 'Sentry auth tokens (sntrys_, sntryu_)', regex: `${START}sntry[su]_[A-Za-z0-9_=+/-]{32,}`, keywords: ['sntrys_', 'sntryu_'] },
  { id: 'pulumi-token', what: 'Pulumi access tokens (pul- + 40 hex)', regex: `${START}pul-[a-f0-9]{40}${END}`, keywords: ['pul-'] },
  { id: 'rubygems-key', what: 'RubyGems API keys (rubygems_ + 48 hex)', regex: `${START}rubygems_[a-f0-9]{48}${END}`, keywords: ['rubygems_'] },
  { id: 'heroku-key', what: 'Heroku API keys (HRKU-AA + 58)', regex: `${START}HRKU-AA[A-Za-z0-9_-]{58}${END}`, keywords: ['HRKU-'] },
  { id: 'onepassword-token', what: '1Password service account tokens (ops_eyJ...)', regex: `${START}ops_eyJ[A-Za-z0-9+/=_-]{100,}`, keywords: ['ops_'] },
];

/** Keywords as written: vendor prefixes are case-sensitive, and fewer forms keep the prefilter fast. */
export const PREFIX_RULES: readonly RuleSpec[] = TOKENS.map((token) => ({
  id: token.id,
  description: token.what,
  regex: token.regex,
  keywords: token.keywords,
  caseSensitive: true,
}));
