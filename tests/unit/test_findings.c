/* SPDX-License-Identifier: MIT */
/* test_findings.c - the pure parts of findings: TLS weakness, names, parsing, filtering. */
#include <string.h>
#include "ut.h"
#include "../../report/findings.h"
#include "../../report/report.h"

UT_TEST(tls_weakness_flags_broken_parameters)
{
	char wb[256];
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "RC4-SHA", 128, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1", "AES128-SHA", 128, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.1", "AES256-SHA", 256, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("SSLv3", "AES256-SHA", 256, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "DES-CBC3-SHA", 112, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "ADH-AES256-GCM-SHA384", 256, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "EXP-RC2-CBC-MD5", 40, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "NULL-SHA256", 0, wb, sizeof wb) != NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "SOMETHING", 56, wb, sizeof wb) != NULL);
	/* every reason, not the first alone */
	UT_EQ_STR(ms_tls_weakness("TLSv1", "RC4-SHA", 128, wb, sizeof wb), "TLS 1.0 is deprecated (RFC 8996); RC4 is broken");
	UT_EQ_STR(ms_tls_weakness("TLSv1", "DES-CBC3-SHA", 112, wb, sizeof wb),
		  "TLS 1.0 is deprecated (RFC 8996); 3DES (Sweet32); key shorter than 128 bits");
}

UT_TEST(tls_weakness_accepts_modern_parameters)
{
	char wb[256];
	UT_ASSERT(ms_tls_weakness("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, wb, sizeof wb) == NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", 256, wb, sizeof wb) == NULL);
	UT_ASSERT(ms_tls_weakness("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", 256, wb, sizeof wb) == NULL);
	UT_ASSERT(ms_tls_weakness(NULL, NULL, 0, wb, sizeof wb) == NULL); /* nothing logged */
	/* a line cut before "(256/256 bits)" stores 0 bits: not a weakness */
	UT_ASSERT(ms_tls_weakness("TLSv1.3", "TLS_AES_256_GCM_SHA384", 0, wb, sizeof wb) == NULL);
}

/* a NULL (no encryption) cipher has no key bits: below 128 (reports.md) */
UT_TEST(tls_weakness_null_cipher_has_no_bits)
{
	const char *why[8];
	int n = ms_tls_weak_reasons("TLSv1.2", "NULL-SHA256", 0, why, 8);
	UT_EQ_INT(n, 2);
	UT_EQ_STR(why[0], "NULL");
	UT_EQ_STR(why[1], "<128bit");
	UT_EQ_INT(ms_tls_weak_reasons("TLSv1.2", "ECDHE-ECDSA-NULL-SHA", 0, why, 8), 2);
	UT_EQ_INT(ms_tls_weak_reasons("TLSv1.2", "ADH-AES128-SHA", 0, why, 8), 1); /* aNULL: no authentication only */
}

UT_TEST(finding_names_round_trip)
{
	for (int t = 0; t < MS_F__N; t++) {
		ms_ftype back;
		UT_EQ_INT(ms_ftype_parse(ms_ftype_name((ms_ftype)t), &back), 0);
		UT_EQ_INT(back, t);
	}
	ms_severity s;
	UT_EQ_INT(ms_severity_parse("CRITICAL", &s), 0);
	UT_EQ_INT(s, MS_SEV_CRITICAL);
	UT_ASSERT(ms_severity_parse("severe", &s) != 0);
	UT_EQ_STR(ms_ftype_category(MS_F_WEAK_TLS), "network");
}

UT_TEST(findings_filter_by_severity_and_type)
{
	ms_findings fs;
	memset(&fs, 0, sizeof fs);
	ms_finding *a = ms_findings_add(&fs, MS_F_BRUTE_FORCE);
	a->severity = MS_SEV_MEDIUM;
	ms_finding_set(&a->ip, "192.0.2.1");
	ms_finding *b = ms_findings_add(&fs, MS_F_COMPROMISE);
	b->severity = MS_SEV_CRITICAL;
	ms_finding_set(&b->account, "u@example.org");
	ms_finding *c = ms_findings_add(&fs, MS_F_WEAK_TLS);
	c->severity = MS_SEV_LOW;
	ms_findings_filter(&fs, MS_SEV_MEDIUM, 0);
	UT_EQ_INT(fs.n, 2);
	ms_findings_filter(&fs, MS_SEV_LOW, 1u << MS_F_COMPROMISE);
	UT_EQ_INT(fs.n, 1);
	UT_EQ_STR(fs.v[0].account, "u@example.org");
	ms_findings_free(&fs);
	UT_EQ_INT(fs.n, 0);
}
