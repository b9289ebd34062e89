/* SPDX-License-Identifier: MIT */
/*
 * fuzz_grammar.c - libFuzzer target: the line dispatcher and every message
 * grammar.  The input is one log line: it goes through the syslog header
 * parser and the dispatcher like ingest does; the message part is also fed
 * to each per-family parser directly, so grammars are reached even when
 * the header would route the line elsewhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../parser/grammar.h"
#include "../parser/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ms_grammar *G;

/* Views point into the line or at string literals: read every byte of each,
 * so that ASan reports a view that reaches outside its buffer. */
static volatile unsigned sink_;

static void check(const ms_event *ev)
{
	const ms_sv v[] = { ev->name, ev->ip, ev->queue_id, ev->mech, ev->user, ev->reason, ev->where,
			    ev->what, ev->text, ev->from, ev->to, ev->helo, ev->proto, ev->cipher,
			    ev->trust, ev->kex, ev->sni };
	unsigned acc = 0;
	if ((unsigned)ev->type >= EV__COUNT)
		abort();
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (v[i].n && !v[i].p)
			abort();
		for (size_t k = 0; k < v[i].n; k++)
			acc += (unsigned char)v[i].p[k];
	}
	sink_ = acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	ms_syslog sl;
	ms_event ev;
	char *line;
	if (!G) {
		G = ms_grammar_new(err, sizeof err);
		if (!G) {
			fprintf(stderr, "grammar: %s\n", err);
			abort();
		}
	}
	line = malloc(size ? size : 1);
	if (!line)
		return 0;
	if (size)
		memcpy(line, data, size);
	if (ms_syslog_parse(line, size, &sl) == MS_LINE_OK) {
		memset(&ev, 0x5a, sizeof ev);
		(void)ms_grammar_classify(G, &sl, &ev);
		check(&ev);
	}
	/* the whole input as a message body for each family */
	ms_sv msg = ms_sv_make(size ? line : NULL, size);
	void (*plain[])(ms_sv, ms_event *) = { ms_parse_smtpd, ms_parse_postscreen, ms_parse_plesk };
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		memset(&ev, 0, sizeof ev);
		plain[i](msg, &ev);
		check(&ev);
	}
	memset(&ev, 0, sizeof ev);
	ms_parse_postfix_other(MS_SV_LIT("qmgr"), msg, &ev);
	check(&ev);
	memset(&ev, 0, sizeof ev);
	ms_parse_postfix_other(MS_SV_LIT("smtp"), msg, &ev);
	check(&ev);
	memset(&ev, 0, sizeof ev);
	ms_parse_saslauthd(G, msg, &ev);
	check(&ev);
	memset(&ev, 0, sizeof ev);
	ms_parse_dovecot(G, msg, &ev);
	check(&ev);
	{
		ms_counters c;
		ms_sv val;
		ms_parse_counters(msg, &c);
		(void)ms_kv_get(msg, "sasl_username", &val);
		(void)ms_queue_id_len(msg);
		(void)ms_is_tls_debug_noise(msg);
	}
	free(line);
	return 0;
}
