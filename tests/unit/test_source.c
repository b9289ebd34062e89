/* SPDX-License-Identifier: MIT */
/*
 * Tests for input/source.c.  Fixtures are made with the command-line
 * compressors in a mkdtemp() directory that is removed at exit; a case whose
 * tool is missing is skipped (and says so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ut.h"
#include "../../input/source.h"

/* ---------------------------------------------------------------- fixture */

static char fx_dirbuf[512];

static void fx_cleanup(void)
{
	char cmd[600];
	if (!fx_dirbuf[0])
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dirbuf);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", fx_dirbuf);
	fx_dirbuf[0] = 0;
}

static const char *fx_dir(void)
{
	if (!fx_dirbuf[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(fx_dirbuf, sizeof fx_dirbuf, "%s/ms_ut_source_XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(fx_dirbuf)) {
			fx_dirbuf[0] = 0;
			return NULL;
		}
		atexit(fx_cleanup);
	}
	return fx_dirbuf;
}

static char *fx_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", fx_dir(), name);
	return buf;
}

__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int r;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static int have_tool(const char *t)
{
	return sh("command -v %s >/dev/null 2>&1", t) == 0;
}

/* Deterministic syslog-like text of about n bytes (varied enough not to
 * compress to nothing). */
static char *gen_text(size_t n, unsigned seed, size_t *len)
{
	char *buf = malloc(n + 256);
	size_t off = 0;
	uint32_t x = seed * 2654435761u + 1;
	unsigned line = 0;
	while (buf && off < n) {
		x = x * 1103515245u + 12345u;
		off += (size_t)snprintf(buf + off, 256,
			"Jan %2u %02u:%02u:%02u mx%u postfix/smtpd[%u]: %08X: client=host%u.example.net[192.0.2.%u] line=%u\n",
			1 + (x >> 27), (x >> 8) % 24, (x >> 13) % 60, (x >> 3) % 60, x % 3,
			1000 + (x >> 17) % 30000, x, (x >> 5) % 1000, (x >> 11) % 255, line++);
	}
	if (buf)
		*len = off;
	return buf;
}

static int write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;
	if (!f)
		return -1;
	ok = fwrite(data, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static char g_text_path[600];
static char *g_text;
static size_t g_text_len;

/* The shared 600 KB text in t.log. */
static int fx_text(void)
{
	if (g_text)
		return 0;
	if (!fx_dir())
		return -1;
	g_text = gen_text(600 * 1024, 1, &g_text_len);
	if (!g_text)
		return -1;
	fx_path(g_text_path, sizeof g_text_path, "t.log");
	return write_file(g_text_path, g_text, g_text_len);
}

__attribute__((destructor)) static void fx_free_text(void)
{
	free(g_text);
	g_text = NULL;
}

typedef struct {
	unsigned char *data;
	size_t len;
	ssize_t last;      /* last ms_input_read() result: 0 = EOF, -1 = error */
	char err[512];
	ms_input_info info;
	char display[512];
	int opened;
} readres;

/* Read a whole stream with irregular chunk sizes. */
static void read_spec(const ms_stream_spec *spec, readres *r)
{
	static const size_t chunks[] = { 1, 7, 4096, 65536, 1000, 300000, 13 };
	size_t cap = 1 << 20;
	ms_input *in;
	int k = 0;

	memset(r, 0, sizeof *r);
	in = ms_input_open(spec, r->err, sizeof r->err);
	if (!in) {
		r->last = -2;
		return;
	}
	r->opened = 1;
	r->info = *ms_input_get_info(in);
	snprintf(r->display, sizeof r->display, "%s", r->info.display);
	r->info.display = r->display;
	r->data = malloc(cap);
	for (;;) {
		size_t want = chunks[k++ % 7];
		ssize_t n;
		if (r->len + want > cap) {
			cap = (r->len + want) * 2;
			r->data = realloc(r->data, cap);
		}
		n = ms_input_read(in, r->data + r->len, want);
		r->last = n;
		if (n <= 0)
			break;
		r->len += (size_t)n;
	}
	if (r->last < 0)
		snprintf(r->err, sizeof r->err, "%s", ms_input_error(in));
	/* errors are sticky */
	if (r->last < 0 && ms_input_read(in, r->data, 16) != -1)
		r->last = -3;
	ms_input_close(in);
}

static void read_path(const char *path, readres *r)
{
	ms_stream_spec s = { (char *)path, NULL, -1, -1, NULL };
	read_spec(&s, r);
}

static int same(const readres *r, const char *want, size_t wlen)
{
	return r->len == wlen && (wlen == 0 || memcmp(r->data, want, wlen) == 0);
}

/* ---------------------------------------------------------------- tests */

UT_TEST(source_plain_file)
{
	readres r;
	UT_ASSERT(fx_text() == 0);
	read_path(g_text_path, &r);
	UT_EQ_INT(r.last, 0);
	UT_ASSERT(same(&r, g_text, g_text_len));
	UT_EQ_INT(r.info.comp, MS_COMP_NONE);
	UT_EQ_INT(r.info.seekable, 1);
	UT_EQ_INT(r.info.is_archive_member, 0);
	UT_EQ_INT(r.info.file_size, (long long)g_text_len);
	UT_ASSERT(r.info.mtime > 0);
	UT_EQ_STR(r.info.display, g_text_path);
	UT_EQ_STR(ms_compression_name(r.info.comp), "plain");
	free(r.data);
}

static const struct {
	const char *tool, *cmd, *ext;
	ms_compression comp;
} codecs[] = {
	{ "gzip", "gzip -c", "gz", MS_COMP_GZIP },
	{ "bzip2", "bzip2 -c", "bz2", MS_COMP_BZIP2 },
	{ "xz", "xz -c", "xz", MS_COMP_XZ },
	{ "xz", "xz --format=lzma -c", "lzma", MS_COMP_LZMA },
	{ "zstd", "zstd -q -c", "zst", MS_COMP_ZSTD },
	{ "lz4", "lz4 -q -c", "lz4", MS_COMP_LZ4 },
};

UT_TEST(source_compressed_formats)
{
	char p[600];
	UT_ASSERT(fx_text() == 0);
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		readres r;
		if (!have_tool(codecs[i].tool)) {
			printf("    skip %s: %s not installed\n", codecs[i].ext, codecs[i].tool);
			continue;
		}
		/* deliberately misleading names: detection is by content */
		snprintf(p, sizeof p, "%s/compressed-%s.txt", fx_dir(), codecs[i].ext);
		UT_EQ_INT(sh("%s '%s' > '%s'", codecs[i].cmd, g_text_path, p), 0);
		read_path(p, &r);
		if (r.last != 0)
			printf("    %s: %s\n", codecs[i].ext, r.err);
		UT_EQ_INT(r.last, 0);
		UT_ASSERT(same(&r, g_text, g_text_len));
		UT_EQ_INT(r.info.comp, codecs[i].comp);
		UT_EQ_INT(r.info.seekable, 0);
		free(r.data);
	}
}

UT_TEST(source_empty_streams)
{
	char p[600], q[600];
	readres r;
	UT_ASSERT(fx_dir() != NULL);
	fx_path(p, sizeof p, "empty.log");
	UT_EQ_INT(write_file(p, "", 0), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, 0);
	UT_EQ_INT(r.len, 0);
	free(r.data);
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		if (!have_tool(codecs[i].tool))
			continue;
		snprintf(q, sizeof q, "%s/empty.%s", fx_dir(), codecs[i].ext);
		UT_EQ_INT(sh("%s '%s' > '%s'", codecs[i].cmd, p, q), 0);
		read_path(q, &r);
		if (r.last != 0)
			printf("    %s: %s\n", codecs[i].ext, r.err);
		UT_EQ_INT(r.last, 0);
		UT_EQ_INT(r.len, 0);
		free(r.data);
	}
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

UT_TEST(source_zstd_multi_and_skippable_frames)
{
	char a[600], b[600], sk[600], cat[600];
	unsigned char frame[8 + 5];
	size_t l2;
	char *t2, *want;
	readres r;
	if (!have_tool("zstd")) {
		printf("    skip: zstd not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	t2 = gen_text(5000, 7, &l2);
	UT_ASSERT(t2 != NULL);
	fx_path(a, sizeof a, "multi-a.zst");
	fx_path(b, sizeof b, "multi-b.txt");
	fx_path(sk, sizeof sk, "skippable.bin");
	fx_path(cat, sizeof cat, "multi.zst");
	UT_EQ_INT(write_file(b, t2, l2), 0);
	/* a skippable frame first, then two frames, a skippable one between */
	put_le32(frame, 0x184D2A53u);
	put_le32(frame + 4, 5);
	memcpy(frame + 8, "hello", 5);
	UT_EQ_INT(write_file(sk, frame, sizeof frame), 0);
	UT_EQ_INT(sh("zstd -q -c '%s' > '%s'", g_text_path, a), 0);
	UT_EQ_INT(sh("cat '%s' '%s' '%s' > '%s' && zstd -q -c --no-check '%s' >> '%s'",
		     sk, a, sk, cat, b, cat), 0);
	read_path(cat, &r);
	UT_EQ_INT(r.last, 0);
	want = malloc(g_text_len + l2);
	memcpy(want, g_text, g_text_len);
	memcpy(want + g_text_len, t2, l2);
	UT_ASSERT(same(&r, want, g_text_len + l2));
	UT_EQ_INT(r.info.comp, MS_COMP_ZSTD);
	free(want);
	free(t2);
	free(r.data);
}

UT_TEST(source_gzip_concatenated_members)
{
	char a[600], cat[600];
	char *want;
	readres r;
	if (!have_tool("gzip")) {
		printf("    skip: gzip not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	fx_path(a, sizeof a, "cat-a.gz");
	fx_path(cat, sizeof cat, "cat.gz");
	UT_EQ_INT(sh("gzip -c '%s' > '%s' && cat '%s' '%s' > '%s'", g_text_path, a, a, a, cat), 0);
	read_path(cat, &r);
	UT_EQ_INT(r.last, 0);
	want = malloc(2 * g_text_len);
	memcpy(want, g_text, g_text_len);
	memcpy(want + g_text_len, g_text, g_text_len);
	UT_ASSERT(same(&r, want, 2 * g_text_len));
	free(want);
	free(r.data);
}

/* Truncate a compressed copy of t.log to keep/1000 of its size; reading must
 * give a correct prefix of the text and then -1 with a message. */
static int check_truncated(const char *tool, const char *cmd, const char *name, unsigned keep,
			   const char *needle, size_t *good)
{
	char p[600];
	struct stat st;
	readres r;
	int ok = 1;

	fx_path(p, sizeof p, name);
	if (sh("%s '%s' > '%s'", cmd, g_text_path, p) != 0 || stat(p, &st) != 0)
		return 0;
	if (truncate(p, st.st_size * (off_t)keep / 1000) != 0)
		return 0;
	read_path(p, &r);
	if (r.last != -1) {
		printf("    %s: read ended with %zd, not -1 (%zu bytes)\n", tool, r.last, r.len);
		ok = 0;
	}
	if (!r.err[0] || !strstr(r.err, needle)) {
		printf("    %s: message \"%s\" lacks \"%s\"\n", tool, r.err, needle);
		ok = 0;
	}
	if (r.len > g_text_len || memcmp(r.data, g_text, r.len) != 0) {
		printf("    %s: returned bytes are not a prefix of the text\n", tool);
		ok = 0;
	}
	*good = r.len;
	free(r.data);
	return ok;
}

/* Bytes that "cmd FILE" writes to stdout (it may fail), -1 if it cannot run. */
static long tool_len(const char *cmd, const char *name)
{
	char p[600], out[700];
	struct stat st;
	fx_path(p, sizeof p, name);
	snprintf(out, sizeof out, "%s.out", p);
	sh("%s '%s' > '%s' 2>/dev/null", cmd, p, out);
	if (stat(out, &st) != 0)
		return -1;
	return (long)st.st_size;
}

UT_TEST(source_gzip_padding_and_garbage)
{
	char p[600];
	readres r;
	if (!have_tool("gzip")) {
		printf("    skip: gzip not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	/* zero padding after the last member is ignored (as gzip -d does) */
	fx_path(p, sizeof p, "padded.gz");
	UT_EQ_INT(sh("gzip -c '%s' > '%s' && head -c 3000 /dev/zero >> '%s'", g_text_path, p, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, 0);
	UT_ASSERT(same(&r, g_text, g_text_len));
	free(r.data);
	/* other bytes after it: all the text, then an error */
	fx_path(p, sizeof p, "garbage.gz");
	UT_EQ_INT(sh("gzip -c '%s' > '%s' && printf 'not gzip' >> '%s'", g_text_path, p, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, -1);
	UT_ASSERT(same(&r, g_text, g_text_len));
	UT_ASSERT(strstr(r.err, "trailing garbage") != NULL);
	free(r.data);
	/* a corrupted byte: the CRC check fails at the end of the member */
	fx_path(p, sizeof p, "crc.gz");
	UT_EQ_INT(sh("gzip -c '%s' > '%s' && printf '\\245\\245\\245\\245' | "
		     "dd of='%s' bs=1 seek=5000 conv=notrunc 2>/dev/null", g_text_path, p, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, -1);
	UT_ASSERT(strstr(r.err, "corrupt gzip data: ") != NULL);
	UT_ASSERT(r.len > 0);
	free(r.data);
}

UT_TEST(source_truncated_gzip)
{
	size_t good = 0;
	if (!have_tool("gzip")) {
		printf("    skip: gzip not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	UT_ASSERT(check_truncated("gzip", "gzip -c", "trunc.gz", 600, "truncated gzip data", &good));
	/* zlib returns every byte it decoded: as much as gzip -dc does */
	UT_EQ_INT((long long)good, (long long)tool_len("gzip -dc", "trunc.gz"));
	UT_ASSERT(good + 4096 >= g_text_len * 6 / 10);
	/* damage early in the file: the few decodable bytes, then an error */
	UT_ASSERT(check_truncated("gzip", "gzip -c", "trunc-small.gz", 30, "truncated gzip data", &good));
	UT_EQ_INT((long long)good, (long long)tool_len("gzip -dc", "trunc-small.gz"));
	UT_ASSERT(good > 0);
	/* cut inside the 8-byte trailer */
	UT_ASSERT(check_truncated("gzip", "gzip -c", "trunc-trailer.gz", 999, "gzip", &good));
}

UT_TEST(source_truncated_zstd)
{
	size_t good = 0;
	if (!have_tool("zstd")) {
		printf("    skip: zstd not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	UT_ASSERT(check_truncated("zstd", "zstd -q -c", "trunc.zst", 600, "truncated zstd", &good));
	/* libzstd returns every complete block (at most 128 KiB is lost) */
	UT_ASSERT(good + 128 * 1024 >= g_text_len * 6 / 10 - 4096);
	UT_ASSERT(check_truncated("zstd", "zstd -q -c", "trunc-small.zst", 20, "truncated zstd", &good));
	UT_ASSERT(check_truncated("zstd", "zstd -q -c", "trunc-tail.zst", 999, "truncated zstd", &good));
}

UT_TEST(source_truncated_xz_lzma_exact)
{
	/* liblzma returns every byte it decoded: as much as xz -dc does */
	static const struct { const char *cmd, *dcmd, *name, *needle; } t[] = {
		{ "xz -c", "xz -dc", "exact.xz", "truncated xz data" },
		{ "xz --format=lzma -c", "xz --format=lzma -dc", "exact.lzma", "truncated lzma data" },
	};
	if (!have_tool("xz")) {
		printf("    skip: xz not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t good = 0;
		UT_ASSERT(check_truncated("xz", t[i].cmd, t[i].name, 600, t[i].needle, &good));
		UT_EQ_INT((long long)good, (long long)tool_len(t[i].dcmd, t[i].name));
		UT_ASSERT(good + 4096 >= g_text_len * 6 / 10 - 64 * 1024);
	}
}

UT_TEST(source_xz_concatenated_and_garbage)
{
	char a[600], p[600];
	char *want;
	readres r;
	if (!have_tool("xz")) {
		printf("    skip: xz not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	fx_path(a, sizeof a, "cat-a.xz");
	fx_path(p, sizeof p, "cat.xz");
	UT_EQ_INT(sh("xz -c '%s' > '%s' && cat '%s' '%s' > '%s'", g_text_path, a, a, a, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, 0);
	want = malloc(2 * g_text_len);
	memcpy(want, g_text, g_text_len);
	memcpy(want + g_text_len, g_text, g_text_len);
	UT_ASSERT(same(&r, want, 2 * g_text_len));
	free(want);
	free(r.data);
	fx_path(p, sizeof p, "garbage.lzma");
	UT_EQ_INT(sh("xz --format=lzma -c '%s' > '%s' && printf 'not lzma' >> '%s'", g_text_path, p, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, -1);
	UT_ASSERT(same(&r, g_text, g_text_len));
	UT_ASSERT(strstr(r.err, "trailing garbage") != NULL);
	free(r.data);
}

UT_TEST(source_bzip2_exact_concatenated_and_garbage)
{
	char a[600], p[600];
	char *want;
	size_t good = 0;
	readres r;
	if (!have_tool("bzip2")) {
		printf("    skip: bzip2 not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	/* libbz2 returns every block it decoded: at least what bzip2 -dc
	 * writes (the tool drops its last 5000-byte output buffer) */
	UT_ASSERT(check_truncated("bzip2", "bzip2 -1 -c", "exact.bz2", 600, "truncated bzip2 data", &good));
	UT_ASSERT((long)good >= tool_len("bzip2 -dc", "exact.bz2"));
	UT_ASSERT(good > 0);
	fx_path(a, sizeof a, "cat-a.bz2");
	fx_path(p, sizeof p, "cat.bz2");
	UT_EQ_INT(sh("bzip2 -c '%s' > '%s' && cat '%s' '%s' > '%s'", g_text_path, a, a, a, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, 0);
	want = malloc(2 * g_text_len);
	memcpy(want, g_text, g_text_len);
	memcpy(want + g_text_len, g_text, g_text_len);
	UT_ASSERT(same(&r, want, 2 * g_text_len));
	free(want);
	free(r.data);
	fx_path(p, sizeof p, "garbage.bz2");
	UT_EQ_INT(sh("bzip2 -c '%s' > '%s' && printf 'not bzip2' >> '%s'", g_text_path, p, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, -1);
	UT_ASSERT(same(&r, g_text, g_text_len));
	UT_ASSERT(strstr(r.err, "trailing garbage") != NULL);
	free(r.data);
}

UT_TEST(source_truncated_other_formats)
{
	static const struct { const char *tool, *cmd, *name; } t[] = {
		{ "bzip2", "bzip2 -c", "trunc.bz2" },
		{ "xz", "xz -c", "trunc.xz" },
		{ "xz", "xz --format=lzma -c", "trunc.lzma" },
		{ "lz4", "lz4 -q -c", "trunc.lz4" },
	};
	UT_ASSERT(fx_text() == 0);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t good = 0;
		if (!have_tool(t[i].tool))
			continue;
		UT_ASSERT(check_truncated(t[i].tool, t[i].cmd, t[i].name, 500, "data", &good));
	}
}

UT_TEST(source_corrupt_zstd)
{
	char p[600];
	struct stat st;
	readres r;
	int fd;
	unsigned char junk[64];
	if (!have_tool("zstd")) {
		printf("    skip: zstd not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	fx_path(p, sizeof p, "corrupt.zst");
	UT_EQ_INT(sh("zstd -q -c '%s' > '%s'", g_text_path, p), 0);
	UT_ASSERT(stat(p, &st) == 0);
	memset(junk, 0xA5, sizeof junk);
	fd = open(p, O_WRONLY);
	UT_ASSERT(fd >= 0);
	UT_EQ_INT(pwrite(fd, junk, sizeof junk, st.st_size / 2), (long long)sizeof junk);
	close(fd);
	read_path(p, &r);
	UT_EQ_INT(r.last, -1);
	UT_ASSERT(strstr(r.err, "corrupt zstd data: ") != NULL);
	UT_ASSERT(r.len > 0 && r.len < g_text_len && memcmp(r.data, g_text, r.len) == 0);
	free(r.data);
}

UT_TEST(source_trailing_garbage_after_zstd)
{
	char p[600];
	readres r;
	if (!have_tool("zstd")) {
		printf("    skip: zstd not installed\n");
		return;
	}
	UT_ASSERT(fx_text() == 0);
	fx_path(p, sizeof p, "garbage.zst");
	UT_EQ_INT(sh("zstd -q -c '%s' > '%s' && printf 'not zstd at all' >> '%s'", g_text_path, p, p), 0);
	read_path(p, &r);
	UT_EQ_INT(r.last, -1);
	UT_ASSERT(same(&r, g_text, g_text_len));
	UT_ASSERT(strstr(r.err, "corrupt zstd data") != NULL);
	free(r.data);
}

static int skip_then_read(const char *path, uint64_t skip, const char *want, size_t wlen,
			  int expect_seekable)
{
	ms_stream_spec s = { (char *)path, NULL, -1, -1, NULL };
	char err[256];
	ms_input *in = ms_input_open(&s, err, sizeof err);
	unsigned char *buf;
	size_t got = 0;
	ssize_t n;
	int ok;
	if (!in)
		return 0;
	if (ms_input_get_info(in)->seekable != expect_seekable || ms_input_skip(in, skip) != 0) {
		ms_input_close(in);
		return 0;
	}
	buf = malloc(wlen + 1);
	while ((n = ms_input_read(in, buf + got, wlen + 1 - got)) > 0 && got < wlen + 1)
		got += (size_t)n;
	ok = n == 0 && got == wlen - skip && memcmp(buf, want + skip, got) == 0;
	free(buf);
	ms_input_close(in);
	return ok;
}

static int skip_too_far(const char *path, uint64_t skip)
{
	ms_stream_spec s = { (char *)path, NULL, -1, -1, NULL };
	char err[256];
	ms_input *in = ms_input_open(&s, err, sizeof err);
	int ok;
	unsigned char b[4];
	if (!in)
		return 0;
	ok = ms_input_skip(in, skip) == -2 && strstr(ms_input_error(in), "shorter") != NULL &&
	     ms_input_read(in, b, sizeof b) == -1;
	ms_input_close(in);
	return ok;
}

UT_TEST(source_skip)
{
	char p[600];
	UT_ASSERT(fx_text() == 0);
	UT_ASSERT(skip_then_read(g_text_path, 0, g_text, g_text_len, 1));
	UT_ASSERT(skip_then_read(g_text_path, 12345, g_text, g_text_len, 1));
	UT_ASSERT(skip_then_read(g_text_path, g_text_len, g_text, g_text_len, 1));
	UT_ASSERT(skip_too_far(g_text_path, g_text_len + 1));
	if (have_tool("zstd")) {
		fx_path(p, sizeof p, "skip.zst");
		UT_EQ_INT(sh("zstd -q -c '%s' > '%s'", g_text_path, p), 0);
		UT_ASSERT(skip_then_read(p, 300001, g_text, g_text_len, 0));
		UT_ASSERT(skip_then_read(p, g_text_len, g_text, g_text_len, 0));
		UT_ASSERT(skip_too_far(p, g_text_len + 10));
	}
	if (have_tool("gzip")) {
		fx_path(p, sizeof p, "skip.gz");
		UT_EQ_INT(sh("gzip -c '%s' > '%s'", g_text_path, p), 0);
		UT_ASSERT(skip_then_read(p, 70000, g_text, g_text_len, 0));
		UT_ASSERT(skip_too_far(p, g_text_len + 1));
	}
}

UT_TEST(source_peek)
{
	char buf[100], err[256];
	ms_stream_spec s = { NULL, NULL, -1, -1, NULL };
	char p[600];
	UT_ASSERT(fx_text() == 0);
	s.path = g_text_path;
	UT_EQ_INT(ms_input_peek(&s, buf, sizeof buf, err, sizeof err), 100);
	UT_ASSERT(memcmp(buf, g_text, 100) == 0);
	if (have_tool("xz")) {
		fx_path(p, sizeof p, "peek.xz");
		UT_EQ_INT(sh("xz -c '%s' > '%s'", g_text_path, p), 0);
		s.path = p;
		memset(buf, 0, sizeof buf);
		UT_EQ_INT(ms_input_peek(&s, buf, sizeof buf, err, sizeof err), 100);
		UT_ASSERT(memcmp(buf, g_text, 100) == 0);
	}
	s.path = (char *)"/nonexistent/ms_ut/x";
	UT_EQ_INT(ms_input_peek(&s, buf, sizeof buf, err, sizeof err), -1);
	UT_EQ_STR(err, "No such file or directory");
}

UT_TEST(source_nonexistent_path)
{
	ms_stream_spec *specs = (ms_stream_spec *)1;
	size_t n = 99;
	char err[256] = "";
	ms_stream_spec s = { (char *)"/nonexistent/ms_ut/maillog", NULL, -1, -1, NULL };
	UT_EQ_INT(ms_expand_arg("/nonexistent/ms_ut/maillog", &specs, &n, err, sizeof err), -1);
	UT_EQ_STR(err, "No such file or directory");
	UT_EQ_INT(n, 0);
	UT_ASSERT(specs == NULL);
	err[0] = 0;
	UT_ASSERT(ms_input_open(&s, err, sizeof err) == NULL);
	UT_EQ_STR(err, "No such file or directory");
}

UT_TEST(source_unreadable_file)
{
	char p[600], err[256] = "";
	ms_stream_spec *specs = NULL;
	size_t n = 0;
	UT_ASSERT(fx_dir() != NULL);
	if (geteuid() == 0) {
		printf("    skip: running as root, permissions are not enforced\n");
		return;
	}
	fx_path(p, sizeof p, "secret.log");
	UT_EQ_INT(write_file(p, "x\n", 2), 0);
	UT_EQ_INT(chmod(p, 0), 0);
	UT_EQ_INT(ms_expand_arg(p, &specs, &n, err, sizeof err), -1);
	UT_EQ_STR(err, "Permission denied");
}

UT_TEST(source_expand_plain_and_stdin_args)
{
	ms_stream_spec *specs = NULL;
	size_t n = 0;
	char err[256];
	UT_ASSERT(fx_text() == 0);
	UT_EQ_INT(ms_expand_arg(g_text_path, &specs, &n, err, sizeof err), 0);
	UT_EQ_INT(n, 1);
	UT_EQ_STR(specs[0].path, g_text_path);
	UT_ASSERT(specs[0].member == NULL);
	UT_EQ_INT(specs[0].size, (long long)g_text_len);
	UT_ASSERT(specs[0].mtime > 0);
	ms_stream_specs_free(specs, n);
	UT_EQ_INT(ms_expand_arg("-", &specs, &n, err, sizeof err), 0);
	UT_EQ_INT(n, 1);
	UT_EQ_STR(specs[0].path, "-");
	UT_ASSERT(specs[0].member == NULL);
	UT_EQ_INT(specs[0].mtime, -1);
	ms_stream_specs_free(specs, n);
}

UT_TEST(source_directory_expansion)
{
	char d[600], p[700], err[256];
	ms_stream_spec *specs = NULL;
	size_t n = 0;
	UT_ASSERT(fx_dir() != NULL);
	fx_path(d, sizeof d, "dir");
	UT_EQ_INT(mkdir(d, 0755), 0);
	snprintf(p, sizeof p, "%s/maillog.1", d);
	UT_EQ_INT(write_file(p, "one\n", 4), 0);
	snprintf(p, sizeof p, "%s/maillog", d);
	UT_EQ_INT(write_file(p, "live\n", 5), 0);
	snprintf(p, sizeof p, "%s/.hidden", d);
	UT_EQ_INT(write_file(p, "no\n", 3), 0);
	snprintf(p, sizeof p, "%s/Amail", d);
	UT_EQ_INT(write_file(p, "A\n", 2), 0);
	snprintf(p, sizeof p, "%s/sub", d);
	UT_EQ_INT(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/sub/deep.log", d);
	UT_EQ_INT(write_file(p, "deep\n", 5), 0);

	UT_EQ_INT(ms_expand_arg(d, &specs, &n, err, sizeof err), 0);
	UT_EQ_INT(n, 3);
	snprintf(p, sizeof p, "%s/Amail", d);
	UT_EQ_STR(specs[0].path, p);
	snprintf(p, sizeof p, "%s/maillog", d);
	UT_EQ_STR(specs[1].path, p);
	UT_EQ_INT(specs[1].size, 5);
	snprintf(p, sizeof p, "%s/maillog.1", d);
	UT_EQ_STR(specs[2].path, p);
	ms_stream_specs_free(specs, n);

	/* a trailing slash does not double it */
	snprintf(p, sizeof p, "%s/", d);
	UT_EQ_INT(ms_expand_arg(p, &specs, &n, err, sizeof err), 0);
	UT_EQ_INT(n, 3);
	snprintf(p, sizeof p, "%s/Amail", d);
	UT_EQ_STR(specs[0].path, p);
	ms_stream_specs_free(specs, n);
}

/* logs.tar{,.gz,.zst} with m1.log (plain) and sub/m2.log.gz (gzip). */
UT_TEST(source_tar_archives)
{
	char src[600], p[700], err[256];
	size_t l1, l2;
	char *t1, *t2;
	static const struct { const char *name, *tool, *cmd; ms_compression comp; } arc[] = {
		{ "logs.tar", "tar", "tar -cf '%s' -C '%s' m1.log sub/m2.log.gz", MS_COMP_NONE },
		{ "logs.tar.gz", "tar", "tar -czf '%s' -C '%s' m1.log sub/m2.log.gz", MS_COMP_GZIP },
		{ "logs-tar.zst", "zstd", "tar -cf - -C '%2$s' m1.log sub/m2.log.gz | zstd -q -c > '%1$s'", MS_COMP_ZSTD },
		{ "logs-tar.bz2", "bzip2", "tar -cf - -C '%2$s' m1.log sub/m2.log.gz | bzip2 -c > '%1$s'", MS_COMP_BZIP2 },
	};
	if (!have_tool("tar") || !have_tool("gzip")) {
		printf("    skip: tar or gzip not installed\n");
		return;
	}
	UT_ASSERT(fx_dir() != NULL);
	t1 = gen_text(200000, 11, &l1);
	t2 = gen_text(150000, 12, &l2);
	UT_ASSERT(t1 && t2);
	fx_path(src, sizeof src, "tarsrc");
	UT_EQ_INT(sh("mkdir -p '%s/sub'", src), 0);
	snprintf(p, sizeof p, "%s/m1.log", src);
	UT_EQ_INT(write_file(p, t1, l1), 0);
	snprintf(p, sizeof p, "%s/sub/m2.log", src);
	UT_EQ_INT(write_file(p, t2, l2), 0);
	UT_EQ_INT(sh("gzip '%s/sub/m2.log' && touch -d @1700000000 '%s/m1.log'", src, src), 0);

	for (size_t i = 0; i < sizeof arc / sizeof arc[0]; i++) {
		ms_stream_spec *specs = NULL;
		size_t n = 0;
		readres r;
		char disp[800];
		if (!have_tool(arc[i].tool)) {
			printf("    skip %s: %s not installed\n", arc[i].name, arc[i].tool);
			continue;
		}
		fx_path(p, sizeof p, arc[i].name);
		UT_EQ_INT(sh(arc[i].cmd, p, src), 0);
		UT_EQ_INT(ms_expand_arg(p, &specs, &n, err, sizeof err), 0);
		UT_EQ_INT(n, 2);
		UT_EQ_STR(specs[0].path, p);
		UT_EQ_STR(specs[0].member, "m1.log");
		UT_EQ_STR(specs[1].member, "sub/m2.log.gz");
		UT_EQ_INT(specs[0].mtime, 1700000000);
		UT_EQ_INT(specs[0].size, (long long)l1);

		read_spec(&specs[0], &r);
		UT_EQ_INT(r.last, 0);
		UT_ASSERT(same(&r, t1, l1));
		UT_EQ_INT(r.info.is_archive_member, 1);
		UT_EQ_INT(r.info.seekable, 0);
		UT_EQ_INT(r.info.mtime, 1700000000);
		UT_EQ_INT(r.info.comp, MS_COMP_NONE); /* the member's own */
		UT_EQ_INT(r.info.archive_comp, arc[i].comp);
		snprintf(disp, sizeof disp, "%s:m1.log", p);
		UT_EQ_STR(r.info.display, disp);
		free(r.data);

		read_spec(&specs[1], &r);
		if (r.last != 0)
			printf("    %s: %s\n", arc[i].name, r.err);
		UT_EQ_INT(r.last, 0);
		UT_EQ_INT(r.info.comp, MS_COMP_GZIP);
		UT_EQ_INT(r.info.archive_comp, arc[i].comp);
		UT_ASSERT(same(&r, t2, l2));
		free(r.data);

		/* skip inside a compressed member */
		{
			char e2[256];
			unsigned char b[10];
			ms_input *in = ms_input_open(&specs[1], e2, sizeof e2);
			UT_ASSERT(in != NULL);
			UT_EQ_INT(ms_input_skip(in, 100000), 0);
			UT_EQ_INT(ms_input_read(in, b, sizeof b), 10);
			UT_ASSERT(memcmp(b, t2 + 100000, 10) == 0);
			ms_input_close(in);
		}
		/* a member that is not there */
		{
			ms_stream_spec bad = { p, (char *)"nope.log", -1, -1, NULL };
			char e2[256] = "";
			UT_ASSERT(ms_input_open(&bad, e2, sizeof e2) == NULL);
			UT_ASSERT(strstr(e2, "nope.log") != NULL);
		}
		ms_stream_specs_free(specs, n);
	}

	/* an archive inside a directory is expanded too */
	{
		ms_stream_spec *specs = NULL;
		size_t n = 0;
		char d[600];
		fx_path(d, sizeof d, "tardir");
		UT_EQ_INT(sh("mkdir -p '%s' && cp '%s/logs.tar.gz' '%s/' && echo x > '%s/zz.log'", d, fx_dir(), d, d), 0);
		UT_EQ_INT(ms_expand_arg(d, &specs, &n, err, sizeof err), 0);
		UT_EQ_INT(n, 3);
		UT_EQ_STR(specs[0].member, "m1.log");
		UT_EQ_STR(specs[1].member, "sub/m2.log.gz");
		UT_ASSERT(specs[2].member == NULL);
		ms_stream_specs_free(specs, n);
	}
	free(t1);
	free(t2);
}

UT_TEST(source_truncated_tar_gz)
{
	char p[600], err[256];
	ms_stream_spec *specs = NULL;
	size_t n = 0;
	struct stat st;
	if (!have_tool("tar") || !have_tool("gzip"))
		return;
	UT_ASSERT(fx_text() == 0);
	fx_path(p, sizeof p, "cut.tar.gz");
	UT_EQ_INT(sh("tar -czf '%s' -C '%s' t.log", p, fx_dir()), 0);
	UT_ASSERT(stat(p, &st) == 0);
	UT_EQ_INT(truncate(p, st.st_size / 2), 0);
	/* the member list is complete (one header), its data ends early */
	if (ms_expand_arg(p, &specs, &n, err, sizeof err) == 0) {
		readres r;
		UT_EQ_INT(n, 1);
		/* the listing stopped after it: the damage is on the member */
		UT_ASSERT(specs[0].list_error != NULL);
		read_spec(&specs[0], &r);
		UT_EQ_INT(r.last, -1);
		UT_ASSERT(r.err[0] != 0);
		UT_ASSERT(r.len < g_text_len && memcmp(r.data, g_text, r.len) == 0);
		free(r.data);
		ms_stream_specs_free(specs, n);
	} else {
		UT_ASSERT(err[0] != 0);
	}
}

/* Run fn with fd 0 replaced by a pipe fed by a child writing data. */
static void with_stdin(const void *data, size_t len, const ms_stream_spec *spec, readres *r)
{
	int pfd[2], saved;
	pid_t pid;
	memset(r, 0, sizeof *r);
	r->last = -9;
	if (pipe(pfd) != 0)
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		const char *p = data;
		close(pfd[0]);
		while (len > 0) {
			ssize_t w = write(pfd[1], p, len);
			if (w <= 0)
				_exit(1);
			p += w;
			len -= (size_t)w;
		}
		_exit(0);
	}
	close(pfd[1]);
	saved = dup(0);
	dup2(pfd[0], 0);
	close(pfd[0]);
	read_spec(spec, r);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, NULL, 0);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	size_t cap = 0, n = 0, k;
	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			b = realloc(b, cap);
		}
		k = fread(b + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	fclose(f);
	*len = n;
	return b;
}

UT_TEST(source_stdin)
{
	ms_stream_spec s = { (char *)"-", NULL, -1, -1, NULL };
	readres r;
	char p[600];
	UT_ASSERT(fx_text() == 0);
	with_stdin(g_text, g_text_len, &s, &r);
	UT_EQ_INT(r.last, 0);
	UT_ASSERT(same(&r, g_text, g_text_len));
	UT_EQ_INT(r.info.seekable, 0);
	UT_EQ_STR(r.info.display, "(stdin)");
	free(r.data);
	/* short plain input (less than the detection window) */
	with_stdin("a\nb\n", 4, &s, &r);
	UT_EQ_INT(r.last, 0);
	UT_ASSERT(same(&r, "a\nb\n", 4));
	free(r.data);
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		size_t clen;
		unsigned char *c;
		if (!have_tool(codecs[i].tool))
			continue;
		snprintf(p, sizeof p, "%s/stdin.%s", fx_dir(), codecs[i].ext);
		UT_EQ_INT(sh("%s '%s' > '%s'", codecs[i].cmd, g_text_path, p), 0);
		c = slurp(p, &clen);
		UT_ASSERT(c != NULL);
		with_stdin(c, clen, &s, &r);
		free(c);
		if (r.last != 0)
			printf("    stdin %s: %s\n", codecs[i].ext, r.err);
		UT_EQ_INT(r.last, 0);
		UT_ASSERT(same(&r, g_text, g_text_len));
		UT_EQ_INT(r.info.comp, codecs[i].comp);
		free(r.data);
	}
}

UT_TEST(source_compression_names)
{
	UT_EQ_STR(ms_compression_name(MS_COMP_NONE), "plain");
	UT_EQ_STR(ms_compression_name(MS_COMP_GZIP), "gzip");
	UT_EQ_STR(ms_compression_name(MS_COMP_BZIP2), "bzip2");
	UT_EQ_STR(ms_compression_name(MS_COMP_XZ), "xz");
	UT_EQ_STR(ms_compression_name(MS_COMP_LZMA), "lzma");
	UT_EQ_STR(ms_compression_name(MS_COMP_ZSTD), "zstd");
	UT_EQ_STR(ms_compression_name(MS_COMP_LZ4), "lz4");
}

UT_TEST(source_directory_as_stream_is_error)
{
	ms_stream_spec s = { NULL, NULL, -1, -1, NULL };
	char err[256] = "";
	UT_ASSERT(fx_dir() != NULL);
	s.path = (char *)fx_dir();
	UT_ASSERT(ms_input_open(&s, err, sizeof err) == NULL);
	UT_EQ_STR(err, "Is a directory");
}
