package redact

// tokenRules is the catalogue of vendor tokens found by their shape. Each
// line is one rule: the prefix (kept in the output, since it only names the
// vendor), the alphabet and length of the secret body (replaced), an extra
// check, and the public rule it follows: gitleaks (config/gitleaks.toml,
// by rule id), trufflehog (pkg/detectors/<name>) or the vendor's own
// documentation of its format. Prefixes that start with a letter must
// start a word; bodies must end one.
var tokenRules = []tokenRule{
	// GitHub: 36 setBase62 bytes after a typed prefix; fine-grained PATs are
	// 22 + '_' + 59.
	{"github-pat", "ghp_", setBase62, 36, 36, checkMixed, "gitleaks github-pat"},
	{"github-oauth", "gho_", setBase62, 36, 36, checkMixed, "gitleaks github-oauth"},
	{"github-app-user", "ghu_", setBase62, 36, 36, checkMixed, "gitleaks github-app-token"},
	{"github-app-server", "ghs_", setBase62, 36, 36, checkMixed, "gitleaks github-app-token"},
	{"github-refresh", "ghr_", setBase62, 36, 36, checkMixed, "gitleaks github-refresh-token"},
	{"github-fine-grained-pat", "github_pat_", chars("A-Za-z0-9_"), 82, 82, checkMixed, "gitleaks github-fine-grained-pat"},

	// GitLab.
	{"gitlab-pat", "glpat-", setB64URL, 20, 64, checkMixed, "gitleaks gitlab-pat"},
	{"gitlab-deploy-token", "gldt-", setB64URL, 20, 64, checkMixed, "gitleaks gitlab-deploy-token"},
	{"gitlab-runner-token", "glrt-", setB64URL, 20, 64, checkMixed, "gitleaks gitlab-runner-authentication-token"},
	{"gitlab-pipeline-trigger", "glptt-", setLowerHex, 40, 40, checkMixed, "gitleaks gitlab-ptt"},
	{"gitlab-scim-token", "glsoat-", setB64URL, 20, 64, checkMixed, "gitleaks gitlab-scim-token"},

	// Slack: bot, user, app-level and configuration tokens, and incoming
	// webhook URLs (the path after /services/ is the secret).
	{"slack-bot-token", "xoxb-", chars("A-Za-z0-9-"), 24, 160, checkMixed, "gitleaks slack-bot-token"},
	{"slack-user-token", "xoxp-", chars("A-Za-z0-9-"), 24, 160, checkMixed, "gitleaks slack-user-token"},
	{"slack-legacy-token", "xoxa-", chars("A-Za-z0-9-"), 24, 160, checkMixed, "gitleaks slack-legacy-workspace-token"},
	{"slack-refresh-token", "xoxr-", chars("A-Za-z0-9-"), 24, 160, checkMixed, "gitleaks slack-config-refresh-token"},
	{"slack-config-token", "xoxe.xoxp-", chars("A-Za-z0-9-"), 24, 180, checkMixed, "gitleaks slack-config-access-token"},
	{"slack-app-token", "xapp-", chars("A-Za-z0-9-"), 24, 160, checkMixed, "gitleaks slack-app-token"},
	{"slack-webhook", "hooks.slack.com/services/", chars("A-Za-z0-9+/"), 40, 60, checkMixed, "gitleaks slack-webhook-url"},
	{"slack-workflow-webhook", "hooks.slack.com/workflows/", chars("A-Za-z0-9+/"), 40, 60, checkMixed, "gitleaks slack-webhook-url"},

	// Stripe: secret and restricted keys, live and test; webhook signing
	// secrets. Publishable keys (pk_) are public and left alone.
	{"stripe-secret-live", "sk_live_", setBase62, 20, 247, checkMixed, "gitleaks stripe-access-token"},
	{"stripe-secret-test", "sk_test_", setBase62, 20, 247, checkMixed, "gitleaks stripe-access-token"},
	{"stripe-restricted-live", "rk_live_", setBase62, 20, 247, checkMixed, "gitleaks stripe-access-token"},
	{"stripe-restricted-test", "rk_test_", setBase62, 20, 247, checkMixed, "gitleaks stripe-access-token"},
	{"stripe-webhook-secret", "whsec_", setBase62, 32, 64, checkMixed, "trufflehog stripe (webhook signing secret, Stripe docs)"},

	// Google, SendGrid, Twilio, npm, Docker Hub.
	{"gcp-api-key", "AIza", setB64URL, 35, 35, checkMixed, "gitleaks gcp-api-key"},
	{"sendgrid-api-key", "SG.", chars("A-Za-z0-9_.=-"), 66, 66, checkMixed, "gitleaks sendgrid-api-token"},
	{"twilio-api-key", "SK", chars("0-9a-fA-F"), 32, 32, checkHex32, "gitleaks twilio-api-key"},
	{"npm-access-token", "npm_", setBase62, 36, 36, checkMixed, "gitleaks npm-access-token"},
	{"dockerhub-pat", "dckr_pat_", setB64URL, 27, 27, checkMixed, "trufflehog dockerhub"},
	{"dockerhub-oat", "dckr_oat_", setB64URL, 27, 32, checkMixed, "trufflehog dockerhub"},

	// HashiCorp Vault service and batch tokens.
	{"vault-service-token", "hvs.", setB64URL, 90, 120, checkMixed, "gitleaks vault-service-token"},
	{"vault-batch-token", "hvb.", setB64URL, 138, 300, checkMixed, "gitleaks vault-batch-token"},

	// Telegram bot tokens where they are logged: in the Bot API's URL path.
	{"telegram-bot-token", "api.telegram.org/bot", chars("0-9A-Za-z_:-"), 41, 52, checkTelegram, "gitleaks telegram-bot-api-token"},
	{"telegram-bot-token-path", "/bot", chars("0-9A-Za-z_:-"), 41, 52, checkTelegram, "gitleaks telegram-bot-api-token (the path of a parsed Bot API URL)"},

	// Azure storage account keys in connection strings (SAS signatures
	// are the sig= URL parameter, see DefaultURLParams).
	{"azure-storage-account-key", "AccountKey=", setB64Std, 80, 90, checkMixed, "gitleaks azure-storage-account-key; Azure connection string format"},
	{"azure-shared-access-key", "SharedAccessKey=", setB64Std, 40, 50, checkMixed, "Azure Service Bus / Event Hubs connection string format"},

	// AWS session tokens (STS): base64 whose first bytes are fixed.
	{"aws-session-token", "IQoJb3JpZ2luX2Vj", setB64Std, 100, 1500, checkMixed, "trufflehog aws (session token prefix)"},
	{"aws-session-token-legacy", "FwoGZXIvYXdzE", setB64Std, 100, 1500, checkMixed, "trufflehog aws (session token prefix)"},

	// Other vendors with typed prefixes.
	{"shopify-access-token", "shpat_", setLowerHex, 32, 32, checkMixed, "gitleaks shopify-access-token"},
	{"shopify-custom-app-token", "shpca_", setLowerHex, 32, 32, checkMixed, "gitleaks shopify-custom-access-token"},
	{"shopify-private-app-token", "shppa_", setLowerHex, 32, 32, checkMixed, "gitleaks shopify-private-app-access-token"},
	{"shopify-shared-secret", "shpss_", setLowerHex, 32, 32, checkMixed, "gitleaks shopify-shared-secret"},
	{"huggingface-token", "hf_", chars("A-Za-z"), 34, 34, checkNone, "gitleaks huggingface-access-token"},
	{"openai-project-key", "sk-proj-", setB64URL, 40, 200, checkMixed, "gitleaks openai-api-key"},
	{"openai-service-key", "sk-svcacct-", setB64URL, 40, 200, checkMixed, "gitleaks openai-api-key"},
	{"anthropic-api-key", "sk-ant-api03-", setB64URL, 80, 120, checkMixed, "gitleaks anthropic-api-key"},
	{"anthropic-admin-key", "sk-ant-admin01-", setB64URL, 80, 120, checkMixed, "gitleaks anthropic-admin-api-key"},
	{"digitalocean-pat", "dop_v1_", setLowerHex, 64, 64, checkMixed, "gitleaks digitalocean-pat"},
	{"digitalocean-oauth", "doo_v1_", setLowerHex, 64, 64, checkMixed, "gitleaks digitalocean-access-token"},
	{"digitalocean-refresh", "dor_v1_", setLowerHex, 64, 64, checkMixed, "gitleaks digitalocean-refresh-token"},
	{"pypi-upload-token", "pypi-AgEIcHlwaS5vcmc", setB64URL, 50, 250, checkMixed, "gitleaks pypi-upload-token"},
	{"postman-api-key", "PMAK-", chars("a-f0-9-"), 59, 59, checkMixed, "gitleaks postman-api-token"},
	{"newrelic-user-key", "NRAK-", chars("A-Z0-9"), 27, 27, checkMixed, "gitleaks new-relic-user-api-key"},
	{"grafana-service-account", "glsa_", chars("A-Za-z0-9_"), 41, 41, checkMixed, "gitleaks grafana-service-account-token"},
	{"linear-api-key", "lin_api_", setBase62, 40, 40, checkMixed, "gitleaks linear-api-key"},
	{"mailgun-api-key", "key-", setLowerHex, 32, 32, checkMixed, "gitleaks mailgun-private-api-token"},
	{"age-secret-key", "AGE-SECRET-KEY-1", chars("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"), 58, 58, checkNone, "gitleaks age-secret-key"},
	{"doppler-token", "dp.pt.", setBase62, 43, 43, checkMixed, "gitleaks doppler-api-token"},
	{"sentry-user-token", "sntryu_", setLowerHex, 64, 64, checkMixed, "gitleaks sentry-user-token"},
	{"planetscale-password", "pscale_pw_", chars("A-Za-z0-9_.-"), 32, 64, checkMixed, "gitleaks planetscale-password"},
	{"planetscale-token", "pscale_tkn_", chars("A-Za-z0-9_.-"), 32, 64, checkMixed, "gitleaks planetscale-api-token"},
	{"pulumi-token", "pul-", setLowerHex, 40, 40, checkMixed, "gitleaks pulumi-api-token"},
	{"square-access-token", "sq0atp-", setB64URL, 22, 22, checkMixed, "gitleaks square-access-token"},
	{"square-oauth-secret", "sq0csp-", setB64URL, 43, 43, checkMixed, "gitleaks square-secret"},
}
