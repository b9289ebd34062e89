/* SPDX-License-Identifier: MIT */
/* grammar_int.h - internals shared by the grammar files (not a public API). */
#ifndef MS_GRAMMAR_INT_H
#define MS_GRAMMAR_INT_H

#include "grammar.h"

struct ms_grammar {
	void *re_dovecot_auth;
	void *re_saslauthd;
	void *md; /* pcre2_match_data */
};

/* Match re against s; fills caps[0..ncaps) with groups 1..ncaps. Returns 1 on match. */
int ms_grammar_match(ms_grammar *g, void *re, ms_sv s, ms_sv *caps, int ncaps);

/* A reject's "from=<S> to=<R> proto=P helo=<H>[ sasl_method=M sasl_username=U]"
 * (g_smtpd.c): the fields into ev (from, to, proto, helo; mech and user only
 * when the line cannot be read two ways). */
void ms_reject_tail(ms_sv kv, ms_event *ev);

#endif
