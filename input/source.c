/* SPDX-License-Identifier: MIT */
/*
 * source.c - open log inputs and stream their decompressed bytes.
 *
 * Layers of one ms_input:
 *
 *   raw source   the bytes of the file (read(2) on a descriptor), or the data
 *                of one tar member (archive_read_data_block() on an "outer"
 *                libarchive reader that parses the possibly compressed tar).
 *                The first bytes are peeked to detect the compression; when
 *                they cannot be re-read (pipe, stdin, tar member) they are
 *                replayed from a small buffer.
 *   decoder      plain (pass-through), zstd (libzstd streaming API, handles
 *                concatenated and skippable frames), gzip (zlib inflate,
 *                handles concatenated members), xz and lzma (liblzma),
 *                bzip2 (libbz2, concatenated streams), or libarchive
 *                (filter_all + format raw) for lz4.  These libraries return
 *                every byte decoded before damage (bzip2 and lz4 decode
 *                whole blocks); libarchive loses its last, incomplete
 *                64 KiB output block with the error.
 *
 * Data errors are sticky: once ms_input_read() has returned -1 it keeps
 * returning -1.  A decoder error that happens after some output was produced
 * in the same call is deferred: that output is returned first and the error
 * on the next call.
 *
 * No global mutable state; every buffer belongs to one ms_input.
 */
#include "source.h"
#include "rotate.h"

#include <archive.h>
#include <archive_entry.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MS_IBUF   (256u * 1024u) /* input buffer for decoders and tar reading */
#define MS_HEAD   512u           /* bytes peeked for format detection */
#define MS_ERRLEN 512u
/* A hostile xz/lzma header may ask for a 1.5 GiB dictionary; xz -9 needs
 * 65 MiB to decode.  Beyond this the file is reported, not decoded. */
#define MS_XZ_MEMLIMIT (UINT64_C(512) << 20)

const char *ms_compression_name(ms_compression c)
{
	switch (c) {
	case MS_COMP_NONE: return "plain";
	case MS_COMP_GZIP: return "gzip";
	case MS_COMP_BZIP2: return "bzip2";
	case MS_COMP_XZ: return "xz";
	case MS_COMP_LZMA: return "lzma";
	case MS_COMP_ZSTD: return "zstd";
	case MS_COMP_LZ4: return "lz4";
	case MS_COMP_OTHER: return "compressed";
	}
	return "unknown";
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

__attribute__((format(printf, 3, 4)))
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* strerror() is not thread-safe; the GNU strerror_r returns the message. */
static void seterrno(char *err, size_t errlen, int e)
{
	char tmp[128];
	const char *m = strerror_r(e, tmp, sizeof tmp);
	seterr(err, errlen, "%s", m);
}

static ms_compression comp_from_filter(int code)
{
	switch (code) {
	case ARCHIVE_FILTER_NONE: return MS_COMP_NONE;
	case ARCHIVE_FILTER_GZIP: return MS_COMP_GZIP;
	case ARCHIVE_FILTER_BZIP2: return MS_COMP_BZIP2;
	case ARCHIVE_FILTER_XZ: return MS_COMP_XZ;
	case ARCHIVE_FILTER_LZMA: return MS_COMP_LZMA;
	case ARCHIVE_FILTER_ZSTD: return MS_COMP_ZSTD;
	case ARCHIVE_FILTER_LZ4: return MS_COMP_LZ4;
	default: return MS_COMP_OTHER;
	}
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Compression by content.  Mirrors the libarchive bidders for the formats we
 * name; anything unknown is plain text.
 */
static ms_compression detect_comp(const unsigned char *h, size_t n)
{
	size_t off = 0;

	/* zstd / lz4 skippable frames (magic 0x184D2A50..5F): look behind them */
	while (n - off >= 8 && (le32(h + off) & 0xFFFFFFF0u) == 0x184D2A50u) {
		uint32_t sz = le32(h + off + 4);
		if (sz > n - off - 8)
			return MS_COMP_ZSTD; /* next frame not in the peek window */
		off += 8 + (size_t)sz;
	}
	if (off > 0) {
		if (n - off >= 4 && (le32(h + off) == 0x184D2204u || le32(h + off) == 0x184C2102u))
			return MS_COMP_LZ4;
		return MS_COMP_ZSTD;
	}
	if (n >= 4 && le32(h) == 0xFD2FB528u)
		return MS_COMP_ZSTD;
	if (n >= 3 && h[0] == 0x1F && h[1] == 0x8B && h[2] == 0x08)
		return MS_COMP_GZIP;
	if (n >= 4 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h' && h[3] >= '1' && h[3] <= '9')
		return MS_COMP_BZIP2;
	if (n >= 6 && memcmp(h, "\xFD\x37\x7A\x58\x5A\x00", 6) == 0)
		return MS_COMP_XZ;
	if (n >= 4 && (le32(h) == 0x184D2204u || le32(h) == 0x184C2102u))
		return MS_COMP_LZ4;
	if (n >= 2 && h[0] == 0x1F && h[1] == 0x9D) /* compress(1) */
		return MS_COMP_OTHER;
	if (n >= 6 && memcmp(h, "LZIP", 4) == 0 && h[4] <= 1)
		return MS_COMP_OTHER;
	if (n >= 14 && h[0] <= (4 * 5 + 4) * 9 + 8) {
		/* lzma_alone: properties byte, dictionary size, uncompressed size */
		uint32_t dict = le32(h + 1);
		int usize_unknown = memcmp(h + 5, "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8) == 0;
		int likely_props = h[0] == 0x5D || h[0] == 0x5E;
		int pow2 = dict >= 0x1000u && dict <= 0x08000000u && (dict & (dict - 1)) == 0;
		int mib = dict >= 0x00300000u && dict <= 0x03F00000u && (dict & 0xFFFFFu) == 0 &&
			  likely_props && usize_unknown;
		if (pow2 || mib)
			return MS_COMP_LZMA;
	}
	return MS_COMP_NONE;
}

/* A POSIX/GNU tar header block: octal checksum over the block must match. */
static int looks_like_tar(const unsigned char *h, size_t n)
{
	unsigned long stored = 0, usum = 0;
	long ssum = 0;
	int digits = 0;
	size_t i = 148;

	if (n < 512 || h[0] == 0)
		return 0;
	while (i < 156 && h[i] == ' ')
		i++;
	for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++)
		stored = stored * 8 + (unsigned long)(h[i] - '0');
	if (digits == 0)
		return 0;
	for (; i < 156; i++)
		if (h[i] != ' ' && h[i] != 0)
			return 0;
	for (i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
		usum += c;
		ssum += (signed char)c;
	}
	return stored == usum || (long)stored == ssum;
}

/* ------------------------------------------------------------------ */
/* file descriptor source for libarchive tar readers                   */

typedef struct {
	int fd;
	int regular;
	unsigned char *buf; /* MS_IBUF */
	ms_input *dec;      /* a compressed archive: its bytes as our decoders give them */
	int64_t dec_bytes;  /* dec: the bytes it gave */
} fdsrc;

static la_ssize_t fdsrc_read(struct archive *a, void *cd, const void **buf)
{
	fdsrc *s = cd;
	for (;;) {
		ssize_t r = read(s->fd, s->buf, MS_IBUF);
		if (r >= 0) {
			*buf = s->buf;
			return r;
		}
		if (errno != EINTR) {
			char tmp[128];
			archive_set_error(a, errno, "read error: %s", strerror_r(errno, tmp, sizeof tmp));
			return ARCHIVE_FATAL;
		}
	}
}

static la_int64_t fdsrc_skip(struct archive *a, void *cd, la_int64_t req)
{
	fdsrc *s = cd;
	struct stat st;
	off_t cur;
	(void)a;
	if (!s->regular || req <= 0)
		return 0;
	cur = lseek(s->fd, 0, SEEK_CUR);
	if (cur < 0 || fstat(s->fd, &st) != 0 || st.st_size <= cur)
		return 0;
	if (req > st.st_size - cur)
		req = st.st_size - cur;
	if (lseek(s->fd, (off_t)req, SEEK_CUR) < 0)
		return 0;
	return req;
}

static la_ssize_t decsrc_read(struct archive *a, void *cd, const void **buf)
{
	fdsrc *s = cd;
	ssize_t r = ms_input_read(s->dec, s->buf, MS_IBUF);
	if (r < 0) {
		archive_set_error(a, EIO, "%s", ms_input_error(s->dec));
		return ARCHIVE_FATAL;
	}
	s->dec_bytes += r;
	*buf = s->buf;
	return r;
}

/*
 * 0 when a tar archive a has just read to its end (ARCHIVE_EOF) stops right
 * after its last member: every tar writer adds end blocks after it, and
 * libarchive takes an archive cut just before a member's header for one
 * that ended there.  Where that header would have started is the end of
 * the last entry, its pax or long-name headers counted (the reader notes it
 * before every header).  1 otherwise, and when the length of the archive's
 * bytes is not known (a format only libarchive decodes): anything after the
 * last member (end blocks, padding, junk) is no cut.
 */
static int tar_ends_clean(fdsrc *s, struct archive *a)
{
	int64_t total, member_end = archive_read_header_position(a);
	if (s->dec) {
		total = s->dec_bytes;
	} else {
		struct stat st;
		if (!s->regular || archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE || fstat(s->fd, &st) != 0)
			return 1;
		total = (int64_t)st.st_size;
	}
	return member_end < 0 || total != member_end;
}

/*
 * libarchive tar reader over an open regular file (path names it); NULL +
 * err on failure.  A compressed archive (gzip, bzip2, xz, lzma, zstd) is
 * decompressed by our own decoders, not by libarchive's filters: cut short,
 * they give every byte before the damage, as `gzip -dc` does, where a
 * libarchive filter fails the whole block it was filling (a .tar.gz cut
 * within its first 64 KiB gave no member at all).  s->dec is then closed
 * by fdsrc_close().
 */
static struct archive *tar_open(fdsrc *s, const char *path, char *err, size_t errlen)
{
	unsigned char h[MS_HEAD];
	ssize_t hn;
	do
		hn = pread(s->fd, h, sizeof h, 0);
	while (hn < 0 && errno == EINTR);
	ms_compression comp = hn > 0 ? detect_comp(h, (size_t)hn) : MS_COMP_NONE;
	if (comp == MS_COMP_GZIP || comp == MS_COMP_BZIP2 || comp == MS_COMP_XZ || comp == MS_COMP_LZMA ||
	    comp == MS_COMP_ZSTD) {
		ms_stream_spec sp;
		memset(&sp, 0, sizeof sp);
		sp.path = (char *)path;
		sp.mtime = sp.size = -1;
		if (!(s->dec = ms_input_open(&sp, err, errlen)))
			return NULL;
	}
	struct archive *a = archive_read_new();
	if (!a) {
		seterrno(err, errlen, ENOMEM);
		return NULL;
	}
	if (!s->dec)
		archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if ((s->dec ? archive_read_open2(a, s, NULL, decsrc_read, NULL, NULL)
		    : archive_read_open2(a, s, NULL, fdsrc_read, fdsrc_skip, NULL)) != ARCHIVE_OK) {
		const char *m = archive_error_string(a);
		seterr(err, errlen, "%s", m ? m : "cannot read archive");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* the compression of the archive tar_open() opened */
static ms_compression tar_comp(const fdsrc *s, struct archive *a)
{
	return s->dec ? ms_input_get_info(s->dec)->comp : comp_from_filter(archive_filter_code(a, 0));
}

static void fdsrc_close(fdsrc *s)
{
	ms_input_close(s->dec);
	s->dec = NULL;
}

/* ------------------------------------------------------------------ */
/* block reader: read(2)-style access to archive_read_data_block()     */

typedef struct {
	struct archive *a;
	const unsigned char *p; /* rest of the current block */
	size_t n;
	int64_t off;  /* entry offset of p (sparse entries have holes) */
	int64_t out;  /* entry offset of the next byte returned */
	int eof;
	int pending;  /* an error happened after output was produced */
	char msg[256];
} blkrd;

static void blk_init(blkrd *b, struct archive *a)
{
	memset(b, 0, sizeof *b);
	b->a = a;
}

/* Returns > 0, 0 at end of entry, -1 with b->msg set. */
static ssize_t blk_read(blkrd *b, void *buf, size_t cap)
{
	unsigned char *dst = buf;
	size_t done = 0;

	if (b->pending)
		return -1;
	while (done < cap) {
		if (b->n == 0 && b->off <= b->out) {
			const void *p;
			size_t n;
			la_int64_t off;
			int r;
			if (b->eof)
				break;
			r = archive_read_data_block(b->a, &p, &n, &off);
			if (r == ARCHIVE_EOF) {
				b->eof = 1;
				break;
			}
			if (r < ARCHIVE_WARN) {
				const char *m = archive_error_string(b->a);
				snprintf(b->msg, sizeof b->msg, "%s",
					 m && *m ? m : "unexpected end of data or corrupt data");
				if (done > 0) {
					b->pending = 1;
					break;
				}
				return -1;
			}
			b->p = p;
			b->n = n;
			b->off = off;
			continue;
		}
		if (b->off > b->out) { /* hole in a sparse entry */
			uint64_t z = (uint64_t)(b->off - b->out);
			if (z > cap - done)
				z = cap - done;
			memset(dst + done, 0, (size_t)z);
			done += (size_t)z;
			b->out += (int64_t)z;
			continue;
		}
		{
			size_t k = b->n < cap - done ? b->n : cap - done;
			memcpy(dst + done, b->p, k);
			b->p += k;
			b->n -= k;
			b->off += (int64_t)k;
			b->out += (int64_t)k;
			done += k;
		}
	}
	return (ssize_t)done;
}

/* ------------------------------------------------------------------ */
/* the input object                                                    */

enum { DEC_PLAIN, DEC_ZSTD, DEC_GZIP, DEC_LZMA, DEC_BZIP2, DEC_ARCHIVE };

struct ms_input {
	ms_input_info info;

	/* raw source */
	fdsrc fs;             /* fd; buf only allocated for tar members */
	int own_fd;
	int is_stdin;
	int direct;           /* regular file: head peeked with pread, read(2) from 0 */
	struct archive *outer;/* tar reader positioned at the member data, or NULL */
	blkrd member;         /* member data of outer */
	unsigned char head[MS_HEAD];
	size_t head_len, head_pos; /* replayed before the source when !direct */
	unsigned char skipped_tail[MS_SKIPPED_TAIL]; /* the last bytes it passed over (not seekable)... */
	size_t skipped_tail_n;                       /* ...how many */

	/* decoder */
	int dec;
	ms_compression dcomp; /* compression of this stream's bytes */
	unsigned char *ibuf;  /* MS_IBUF, decoder input */
	size_t ipos, ilen;
	int src_eof;
	ZSTD_DStream *zs;
	int zmid;             /* inside a zstd frame (last result != 0) */
	z_stream gz;          /* DEC_GZIP */
	int gz_init;          /* gz needs inflateEnd() */
	int gz_mid;           /* inside a gzip member */
	lzma_stream xz;       /* DEC_LZMA (xz or lzma_alone) */
	int xz_init;          /* xz needs lzma_end() */
	int xz_end;           /* the xz/lzma stream ended cleanly */
	bz_stream bz;         /* DEC_BZIP2 */
	int bz_init;          /* bz needs BZ2_bzDecompressEnd() */
	struct archive *ar;   /* libarchive decoder (format raw) */
	blkrd arb;

	int failed;           /* sticky error: ms_input_read() returns -1 */
	int src_failed;       /* the raw source failed: err already says why */
	int pend_zerr;        /* zstd/gzip error deferred behind returned output */
	uint64_t pos;         /* decompressed bytes consumed (read + skipped) */
	/* the first decompressed bytes of a stream checked for a tar header at
	 * open (stdin, a FIFO, a member), replayed by ms_input_read() */
	unsigned char dhead[MS_HEAD];
	size_t dhead_len, dhead_pos;
	char err[MS_ERRLEN];
};

/* Raw source read without the replayed head: the descriptor or the member. */
static ssize_t src_read_raw(ms_input *in, void *buf, size_t cap)
{
	if (in->outer) {
		ssize_t r = blk_read(&in->member, buf, cap);
		if (r < 0) {
			seterr(in->err, sizeof in->err, "archive read error: %s", in->member.msg);
			in->src_failed = 1;
		}
		return r;
	}
	for (;;) {
		ssize_t r = read(in->fs.fd, buf, cap);
		if (r >= 0)
			return r;
		if (errno != EINTR) {
			char tmp[128];
			seterr(in->err, sizeof in->err, "read error: %s", strerror_r(errno, tmp, sizeof tmp));
			in->src_failed = 1;
			return -1;
		}
	}
}

/* Raw source read: replayed head first. */
static ssize_t src_read(ms_input *in, void *buf, size_t cap)
{
	if (in->head_pos < in->head_len) {
		size_t k = in->head_len - in->head_pos;
		if (k > cap)
			k = cap;
		memcpy(buf, in->head + in->head_pos, k);
		in->head_pos += k;
		return (ssize_t)k;
	}
	return src_read_raw(in, buf, cap);
}

/* Fill in->head with up to MS_HEAD bytes of the raw source. */
static int src_peek_head(ms_input *in)
{
	in->head_len = 0;
	while (in->head_len < MS_HEAD) {
		ssize_t r;
		if (in->direct) {
			r = pread(in->fs.fd, in->head + in->head_len, MS_HEAD - in->head_len,
				  (off_t)in->head_len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				char tmp[128];
				seterr(in->err, sizeof in->err, "read error: %s",
				       strerror_r(errno, tmp, sizeof tmp));
				in->src_failed = 1;
			}
		} else {
			r = src_read_raw(in, in->head + in->head_len, MS_HEAD - in->head_len);
		}
		if (r < 0) {
			if (in->head_len == 0)
				return -1;
			/* keep what we have; the error comes back on the next read */
			in->src_failed = 0;
			in->err[0] = 0;
			break;
		}
		if (r == 0)
			break;
		in->head_len += (size_t)r;
	}
	in->head_pos = in->direct ? in->head_len : 0; /* replay unless re-readable */
	return 0;
}

static la_ssize_t dec_cb_read(struct archive *a, void *cd, const void **buf)
{
	ms_input *in = cd;
	ssize_t r = src_read(in, in->ibuf, MS_IBUF);
	if (r < 0) {
		archive_set_error(a, EIO, "%s", in->err);
		return ARCHIVE_FATAL;
	}
	*buf = in->ibuf;
	return r;
}

/* Record a libarchive decoder error in in->err. */
static void dec_error(ms_input *in, const char *msg)
{
	if (in->src_failed)
		return; /* in->err already holds the source error */
	seterr(in->err, sizeof in->err, "corrupt or truncated %s data: %s",
	       ms_compression_name(in->dcomp),
	       msg && *msg ? msg : "unexpected end of data or corrupt data");
}

static int setup_decoder(ms_input *in)
{
	in->dcomp = detect_comp(in->head, in->head_len);
	if (in->dcomp == MS_COMP_NONE) {
		in->dec = DEC_PLAIN;
		return 0;
	}
	in->ibuf = malloc(MS_IBUF);
	if (!in->ibuf)
		return -1;
	if (in->dcomp == MS_COMP_ZSTD) {
		in->dec = DEC_ZSTD;
		in->zs = ZSTD_createDStream();
		if (!in->zs)
			return -1;
		ZSTD_initDStream(in->zs);
		in->zmid = 1;
		return 0;
	}
	if (in->dcomp == MS_COMP_GZIP) {
		in->dec = DEC_GZIP;
		if (inflateInit2(&in->gz, 16 + MAX_WBITS) != Z_OK)
			return -1;
		in->gz_init = 1;
		in->gz_mid = 1;
		return 0;
	}
	if (in->dcomp == MS_COMP_BZIP2) {
		in->dec = DEC_BZIP2;
		memset(&in->bz, 0, sizeof in->bz);
		if (BZ2_bzDecompressInit(&in->bz, 0, 0) != BZ_OK)
			return -1;
		in->bz_init = 1;
		return 0;
	}
	if (in->dcomp == MS_COMP_XZ || in->dcomp == MS_COMP_LZMA) {
		lzma_stream init = LZMA_STREAM_INIT;
		lzma_ret lr;
		in->dec = DEC_LZMA;
		in->xz = init;
		lr = in->dcomp == MS_COMP_XZ ? lzma_stream_decoder(&in->xz, MS_XZ_MEMLIMIT, LZMA_CONCATENATED)
					     : lzma_alone_decoder(&in->xz, MS_XZ_MEMLIMIT);
		if (lr != LZMA_OK)
			return -1;
		in->xz_init = 1;
		return 0;
	}
	in->dec = DEC_ARCHIVE;
	in->ar = archive_read_new();
	if (!in->ar)
		return -1;
	archive_read_support_filter_all(in->ar);
	archive_read_support_format_raw(in->ar);
	/* Without "empty" an empty stream (gzip of an empty file) would be
	 * "Unrecognized archive format".  It cannot hide a damaged first
	 * block: archive_read_open() decodes that block and fails on it. */
	archive_read_support_format_empty(in->ar);
	blk_init(&in->arb, in->ar);
	/* libarchive already decodes the first block while opening: a data
	 * error here is deferred to the first ms_input_read(). */
	if (archive_read_open(in->ar, in, NULL, dec_cb_read, NULL) != ARCHIVE_OK) {
		dec_error(in, archive_error_string(in->ar));
		in->failed = 1;
		return 0;
	}
	if (archive_filter_count(in->ar) < 2) {
		/* the magic matched but no libarchive filter took the data:
		 * never pass compressed bytes off as text */
		seterr(in->err, sizeof in->err, "corrupt %s data: header not recognized by libarchive",
		       ms_compression_name(in->dcomp));
		in->failed = 1;
		return 0;
	}
	{
		struct archive_entry *e;
		int r = archive_read_next_header(in->ar, &e);
		if (r == ARCHIVE_EOF) {
			in->arb.eof = 1;
		} else if (r < ARCHIVE_WARN) {
			dec_error(in, archive_error_string(in->ar));
			in->failed = 1;
		}
	}
	return 0;
}

static ms_input *input_new(void)
{
	ms_input *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->fs.fd = -1;
	in->info.file_size = -1;
	in->info.mtime = -1;
	return in;
}

/* Position the outer tar reader at spec->member. */
static int open_member(ms_input *in, const ms_stream_spec *spec, char *err, size_t errlen)
{
	struct archive_entry *e;
	in->fs.buf = malloc(MS_IBUF);
	if (!in->fs.buf) {
		seterrno(err, errlen, ENOMEM);
		return -1;
	}
	in->outer = tar_open(&in->fs, spec->path, err, errlen);
	if (!in->outer)
		return -1;
	in->info.archive_comp = tar_comp(&in->fs, in->outer);
	for (;;) {
		int r = archive_read_next_header(in->outer, &e);
		if (r == ARCHIVE_EOF) {
			seterr(err, errlen, "%s: no such member in the archive", spec->member);
			return -1;
		}
		if (r < ARCHIVE_WARN) {
			const char *m = archive_error_string(in->outer);
			seterr(err, errlen, "%s", m ? m : "cannot read archive");
			return -1;
		}
		if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e)) {
			const char *name = archive_entry_pathname(e);
			if (name && strcmp(name, spec->member) == 0)
				break;
		}
	}
	in->info.is_archive_member = 1;
	in->info.mtime = archive_entry_mtime_is_set(e) ? (int64_t)archive_entry_mtime(e) : -1;
	in->info.file_size = archive_entry_size_is_set(e) ? (int64_t)archive_entry_size(e) : -1;
	blk_init(&in->member, in->outer);
	return 0;
}

static int refuse_tar(ms_input *in, const ms_stream_spec *spec, char *err, size_t errlen);

ms_input *ms_input_open(const ms_stream_spec *spec, char *err, size_t errlen)
{
	ms_input *in;
	int is_stdin;
	size_t dlen;

	if (!spec || !spec->path) {
		seterrno(err, errlen, EINVAL);
		return NULL;
	}
	in = input_new();
	if (!in) {
		seterrno(err, errlen, ENOMEM);
		return NULL;
	}
	is_stdin = strcmp(spec->path, "-") == 0 && !spec->member;

	dlen = strlen(spec->path) + (spec->member ? strlen(spec->member) + 1 : 0) + 8;
	in->info.display = malloc(dlen);
	if (!in->info.display) {
		seterrno(err, errlen, ENOMEM);
		goto fail;
	}
	if (is_stdin)
		snprintf(in->info.display, dlen, "(stdin)");
	else if (spec->member)
		snprintf(in->info.display, dlen, "%s:%s", spec->path, spec->member);
	else
		snprintf(in->info.display, dlen, "%s", spec->path);

	if (is_stdin) {
		in->fs.fd = 0;
		in->own_fd = 0;
		in->is_stdin = 1;
	} else {
		struct stat st;
		in->fs.fd = open(spec->path, O_RDONLY | O_CLOEXEC);
		if (in->fs.fd < 0) {
			seterrno(err, errlen, errno);
			goto fail;
		}
		in->own_fd = 1;
		if (fstat(in->fs.fd, &st) != 0) {
			seterrno(err, errlen, errno);
			goto fail;
		}
		if (S_ISDIR(st.st_mode)) {
			seterrno(err, errlen, EISDIR);
			goto fail;
		}
		in->fs.regular = S_ISREG(st.st_mode);
		in->info.mtime = (int64_t)st.st_mtime;
		in->info.file_size = in->fs.regular ? (int64_t)st.st_size : -1;
	}

	if (spec->member) {
		if (!in->fs.regular) {
			seterr(err, errlen, "archive members can only be read from regular files");
			goto fail;
		}
		if (open_member(in, spec, err, errlen) != 0)
			goto fail;
	} else {
		in->direct = in->fs.regular && !is_stdin;
	}

	if (src_peek_head(in) != 0) {
		in->failed = 1; /* data error: reported by ms_input_read() */
		return in;
	}
	if (setup_decoder(in) != 0) {
		seterrno(err, errlen, ENOMEM);
		goto fail;
	}
	in->info.comp = in->dcomp;
	in->info.seekable = in->direct && in->dec == DEC_PLAIN;
	if (!in->direct && refuse_tar(in, spec, err, errlen) != 0)
		goto fail;
	return in;
fail:
	ms_input_close(in);
	return NULL;
}

/* Decoder input: refill in->ibuf when it is used up.  -1 on a source error. */
static int dec_fill(ms_input *in)
{
	ssize_t n;
	if (in->ipos < in->ilen || in->src_eof)
		return 0;
	n = src_read(in, in->ibuf, MS_IBUF);
	if (n < 0)
		return -1;
	in->ipos = 0;
	in->ilen = (size_t)n;
	if (n == 0)
		in->src_eof = 1;
	return 0;
}

/*
 * gzip through zlib: concatenated members are one stream; zero bytes after
 * the last member (tape padding) are ignored, as gzip(1) does; anything else
 * after it is an error (the data before it has been returned).
 */
static ssize_t gzip_read(ms_input *in, void *buf, size_t cap)
{
	z_stream *z = &in->gz;
	size_t done = 0;

	if (in->pend_zerr)
		return -1;
	if (cap > UINT_MAX)
		cap = UINT_MAX;
	while (done < cap) {
		int r;
		if (in->ipos == in->ilen && !in->src_eof) {
			if (done > 0)
				break; /* do not block with output in hand */
			if (dec_fill(in) != 0)
				return -1;
			continue;
		}
		if (!in->gz_mid) {
			/* between members: another member, padding, or garbage */
			while (in->ipos < in->ilen && in->ibuf[in->ipos] == 0)
				in->ipos++;
			if (in->ipos == in->ilen) {
				if (in->src_eof)
					break;
				continue;
			}
			if (in->ibuf[in->ipos] != 0x1F) {
				seterr(in->err, sizeof in->err, "corrupt gzip data: trailing garbage after the last member");
				goto data_error;
			}
			if (inflateReset(z) != Z_OK) {
				seterr(in->err, sizeof in->err, "corrupt gzip data: cannot restart the decoder");
				goto data_error;
			}
			in->gz_mid = 1;
		}
		z->next_in = in->ibuf + in->ipos;
		z->avail_in = (uInt)(in->ilen - in->ipos);
		z->next_out = (Bytef *)buf + done;
		z->avail_out = (uInt)(cap - done);
		r = inflate(z, Z_NO_FLUSH);
		in->ipos = in->ilen - z->avail_in;
		done = cap - z->avail_out;
		if (r == Z_STREAM_END) {
			in->gz_mid = 0;
			continue;
		}
		if (r == Z_OK)
			continue;
		if (r == Z_BUF_ERROR && in->ipos == in->ilen) {
			if (!in->src_eof)
				continue; /* needs more input */
			seterr(in->err, sizeof in->err,
			       "truncated gzip data (unexpected end of input inside a member)");
			goto data_error;
		}
		seterr(in->err, sizeof in->err, "corrupt gzip data: %s",
		       z->msg ? z->msg : r == Z_MEM_ERROR ? "out of memory" : "inflate failed");
		goto data_error;
	}
	return (ssize_t)done;
data_error:
	if (done > 0) {
		in->pend_zerr = 1;
		return (ssize_t)done;
	}
	return -1;
}

static const char *lzma_msg(lzma_ret r)
{
	switch (r) {
	case LZMA_DATA_ERROR: return "compressed data is corrupt";
	case LZMA_FORMAT_ERROR: return "file format not recognized";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "memory usage limit reached";
	default: return "decoder error";
	}
}

/*
 * xz (concatenated streams and stream padding, checked by liblzma) and
 * lzma_alone through liblzma.  Zero bytes after an lzma_alone stream are
 * ignored; other bytes after it are an error reported after the data.
 */
static ssize_t lzma_read(ms_input *in, void *buf, size_t cap)
{
	lzma_stream *z = &in->xz;
	const char *name = ms_compression_name(in->dcomp);

	if (in->pend_zerr)
		return -1;
	z->next_out = buf;
	z->avail_out = cap;
	while (z->avail_out > 0) {
		lzma_ret r;
		size_t before_in, before_out;
		if (in->ipos == in->ilen && !in->src_eof) {
			if (z->avail_out < cap)
				break; /* do not block with output in hand */
			if (dec_fill(in) != 0)
				return -1;
			continue;
		}
		if (in->xz_end) {
			/* after an lzma_alone stream: padding or garbage */
			while (in->ipos < in->ilen && in->ibuf[in->ipos] == 0)
				in->ipos++;
			if (in->ipos < in->ilen) {
				seterr(in->err, sizeof in->err, "corrupt %s data: trailing garbage after the stream", name);
				goto data_error;
			}
			if (in->src_eof)
				break;
			continue;
		}
		z->next_in = in->ibuf + in->ipos;
		z->avail_in = in->ilen - in->ipos;
		before_in = z->avail_in;
		before_out = z->avail_out;
		r = lzma_code(z, in->src_eof ? LZMA_FINISH : LZMA_RUN);
		in->ipos = in->ilen - z->avail_in;
		if (r == LZMA_STREAM_END) {
			in->xz_end = 1;
			continue;
		}
		if (r == LZMA_OK) {
			if (in->src_eof && z->avail_in == before_in && z->avail_out == before_out) {
				/* no progress at the end of the input */
				seterr(in->err, sizeof in->err, "truncated %s data (unexpected end of input)", name);
				goto data_error;
			}
			continue;
		}
		if (r == LZMA_BUF_ERROR)
			seterr(in->err, sizeof in->err, "truncated %s data (unexpected end of input)", name);
		else
			seterr(in->err, sizeof in->err, "corrupt %s data: %s", name, lzma_msg(r));
		goto data_error;
	}
	return (ssize_t)(cap - z->avail_out);
data_error:
	if (z->avail_out < cap) {
		in->pend_zerr = 1;
		return (ssize_t)(cap - z->avail_out);
	}
	return -1;
}

/*
 * bzip2 through libbz2: concatenated streams (pbzip2, cat a.bz2 b.bz2) are
 * one stream; zero bytes after the last one are ignored, other bytes are an
 * error reported after the data.
 */
static ssize_t bzip2_read(ms_input *in, void *buf, size_t cap)
{
	bz_stream *z = &in->bz;
	size_t done = 0;

	if (in->pend_zerr)
		return -1;
	if (cap > UINT_MAX)
		cap = UINT_MAX;
	while (done < cap) {
		int r;
		unsigned before_in, before_out;
		if (in->ipos == in->ilen && !in->src_eof) {
			if (done > 0)
				break; /* do not block with output in hand */
			if (dec_fill(in) != 0)
				return -1;
			continue;
		}
		if (!in->bz_init) {
			/* between streams: another stream, padding, or garbage */
			while (in->ipos < in->ilen && in->ibuf[in->ipos] == 0)
				in->ipos++;
			if (in->ipos == in->ilen) {
				if (in->src_eof)
					break;
				continue;
			}
			if (in->ibuf[in->ipos] != 'B') {
				seterr(in->err, sizeof in->err, "corrupt bzip2 data: trailing garbage after the last stream");
				goto data_error;
			}
			memset(z, 0, sizeof *z);
			if (BZ2_bzDecompressInit(z, 0, 0) != BZ_OK) {
				seterr(in->err, sizeof in->err, "corrupt bzip2 data: cannot restart the decoder");
				goto data_error;
			}
			in->bz_init = 1;
		}
		z->next_in = (char *)in->ibuf + in->ipos;
		z->avail_in = (unsigned)(in->ilen - in->ipos);
		z->next_out = (char *)buf + done;
		z->avail_out = (unsigned)(cap - done);
		before_in = z->avail_in;
		before_out = z->avail_out;
		r = BZ2_bzDecompress(z);
		in->ipos = in->ilen - z->avail_in;
		done = cap - z->avail_out;
		if (r == BZ_STREAM_END) {
			BZ2_bzDecompressEnd(z);
			in->bz_init = 0;
			continue;
		}
		if (r == BZ_OK) {
			if (in->src_eof && in->ipos == in->ilen && z->avail_in == before_in &&
			    z->avail_out == before_out) {
				seterr(in->err, sizeof in->err, "truncated bzip2 data (unexpected end of input)");
				goto data_error;
			}
			continue;
		}
		seterr(in->err, sizeof in->err, "corrupt bzip2 data: %s",
		       r == BZ_DATA_ERROR_MAGIC ? "bad magic" : r == BZ_MEM_ERROR ? "out of memory"
											  : "data integrity error");
		goto data_error;
	}
	return (ssize_t)done;
data_error:
	if (done > 0) {
		in->pend_zerr = 1;
		return (ssize_t)done;
	}
	return -1;
}

static ssize_t zstd_read(ms_input *in, void *buf, size_t cap)
{
	ZSTD_outBuffer out = { buf, cap, 0 };

	if (in->pend_zerr)
		return -1;
	for (;;) {
		ZSTD_inBuffer zin;
		size_t r, out_before;
		if (in->ipos == in->ilen && !in->src_eof) {
			ssize_t n;
			if (out.pos > 0)
				return (ssize_t)out.pos; /* do not block with output in hand */
			n = src_read(in, in->ibuf, MS_IBUF);
			if (n < 0)
				return -1;
			in->ipos = 0;
			in->ilen = (size_t)n;
			if (n == 0)
				in->src_eof = 1;
		}
		zin.src = in->ibuf;
		zin.size = in->ilen;
		zin.pos = in->ipos;
		out_before = out.pos;
		r = ZSTD_decompressStream(in->zs, &out, &zin);
		if (ZSTD_isError(r)) {
			seterr(in->err, sizeof in->err, "corrupt zstd data: %s", ZSTD_getErrorName(r));
			if (out.pos > 0) {
				in->pend_zerr = 1;
				return (ssize_t)out.pos;
			}
			return -1;
		}
		/* a call without progress (e.g. the final one with no input
		 * after a complete frame) says nothing about frame state */
		if (zin.pos != in->ipos || out.pos != out_before)
			in->zmid = r != 0;
		in->ipos = zin.pos;
		if (out.pos == out.size)
			return (ssize_t)out.pos;
		if (in->ipos == in->ilen && in->src_eof) {
			if (out.pos > 0)
				return (ssize_t)out.pos;
			if (in->zmid) {
				seterr(in->err, sizeof in->err, "truncated zstd data (unexpected end of input inside a frame)");
				return -1;
			}
			return 0;
		}
	}
}

/* Decoded bytes of the stream (without the replayed dhead); -1 sets failed. */
static ssize_t dec_read(ms_input *in, void *buf, size_t cap)
{
	ssize_t r;

	if (in->failed)
		return -1;
	switch (in->dec) {
	case DEC_PLAIN:
		r = src_read(in, buf, cap);
		break;
	case DEC_ZSTD:
		r = zstd_read(in, buf, cap);
		break;
	case DEC_GZIP:
		r = gzip_read(in, buf, cap);
		break;
	case DEC_LZMA:
		r = lzma_read(in, buf, cap);
		break;
	case DEC_BZIP2:
		r = bzip2_read(in, buf, cap);
		break;
	default:
		r = blk_read(&in->arb, buf, cap);
		if (r < 0)
			dec_error(in, in->arb.msg);
		break;
	}
	if (r < 0) {
		if (!in->err[0])
			seterr(in->err, sizeof in->err, "read error");
		in->failed = 1;
		return -1;
	}
	return r;
}

/*
 * A stream that is not a regular file of its own (standard input, a FIFO, a
 * device, an archive member) holding a tar archive: read as text it would be
 * its headers and members run together.  Its first decompressed bytes are
 * read here (and replayed by ms_input_read()); a tar header refuses it.  A
 * data error on the way is left for ms_input_read() to report.
 */
static int refuse_tar(ms_input *in, const ms_stream_spec *spec, char *err, size_t errlen)
{
	while (in->dhead_len < sizeof in->dhead) {
		ssize_t r = dec_read(in, in->dhead + in->dhead_len, sizeof in->dhead - in->dhead_len);
		if (r <= 0)
			break;
		in->dhead_len += (size_t)r;
	}
	if (!looks_like_tar(in->dhead, in->dhead_len))
		return 0;
	if (in->is_stdin)
		seterr(err, errlen, "standard input is a tar archive: give it as a file to read its members");
	else if (spec->member)
		seterr(err, errlen, "a tar archive inside a tar archive: not read (extract it to read its members)");
	else
		seterr(err, errlen, "a tar archive, but not a regular file: give it as a file to read its members");
	return -1;
}

ssize_t ms_input_read(ms_input *in, void *buf, size_t cap)
{
	ssize_t r;

	if (!in)
		return -1;
	if (cap == 0)
		return in->failed && in->dhead_pos == in->dhead_len ? -1 : 0;
	if (in->dhead_pos < in->dhead_len) {
		/* the bytes checked at open come first, before any error after them */
		size_t k = in->dhead_len - in->dhead_pos;
		if (k > cap)
			k = cap;
		memcpy(buf, in->dhead + in->dhead_pos, k);
		in->dhead_pos += k;
		in->pos += (uint64_t)k;
		return (ssize_t)k;
	}
	if (cap > ((size_t)1 << 30))
		cap = (size_t)1 << 30;
	r = dec_read(in, buf, cap);
	if (r > 0)
		in->pos += (uint64_t)r;
	return r;
}

ssize_t ms_input_pread(ms_input *in, void *buf, size_t cap, uint64_t off)
{
	if (!in || !in->info.seekable || off > (uint64_t)INT64_MAX)
		return -1;
	size_t got = 0;
	while (got < cap) {
		ssize_t r = pread(in->fs.fd, (char *)buf + got, cap - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int ms_input_skip(ms_input *in, uint64_t n)
{
	unsigned char tmp[64 * 1024];
	uint64_t left = n;

	if (!in || (in->failed && in->dhead_pos == in->dhead_len))
		return -1;
	in->skipped_tail_n = 0;
	if (n == 0)
		return 0;
	if (in->info.seekable) {
		struct stat st;
		off_t cur = lseek(in->fs.fd, 0, SEEK_CUR);
		if (cur < 0 || fstat(in->fs.fd, &st) != 0) {
			seterrno(in->err, sizeof in->err, errno);
			in->failed = 1;
			return -1;
		}
		if (st.st_size < cur || n > (uint64_t)(st.st_size - cur)) {
			seterr(in->err, sizeof in->err,
			       "stream is shorter than the skip offset (%lld bytes, wanted %llu)",
			       (long long)st.st_size, (unsigned long long)((uint64_t)cur + n));
			lseek(in->fs.fd, 0, SEEK_END);
			in->failed = 1;
			return -2;
		}
		if (lseek(in->fs.fd, (off_t)n, SEEK_CUR) < 0) {
			seterrno(in->err, sizeof in->err, errno);
			in->failed = 1;
			return -1;
		}
		in->pos = (uint64_t)cur + n;
		return 0;
	}
	while (left > 0) {
		size_t want = left < sizeof tmp ? (size_t)left : sizeof tmp;
		ssize_t r = ms_input_read(in, tmp, want);
		if (r < 0)
			return -1;
		if (r == 0) {
			seterr(in->err, sizeof in->err,
			       "stream is shorter than the skip offset (%llu bytes, wanted %llu)",
			       (unsigned long long)in->pos,
			       (unsigned long long)(in->pos + left));
			in->failed = 1;
			return -2;
		}
		left -= (uint64_t)r;
		if (r > 0) {
			size_t k = (size_t)r < MS_SKIPPED_TAIL ? (size_t)r : MS_SKIPPED_TAIL;
			if (in->skipped_tail_n + k > MS_SKIPPED_TAIL) {
				size_t drop = in->skipped_tail_n + k - MS_SKIPPED_TAIL;
				memmove(in->skipped_tail, in->skipped_tail + drop, in->skipped_tail_n - drop);
				in->skipped_tail_n -= drop;
			}
			memcpy(in->skipped_tail + in->skipped_tail_n, tmp + r - k, k);
			in->skipped_tail_n += k;
		}
	}
	return 0;
}

int ms_input_wait_growth(ms_input *in, int ms, int *waited)
{
	struct stat st;
	struct timespec now;
	if (!in || !in->info.seekable || in->outer || in->dec != DEC_PLAIN || fstat(in->fs.fd, &st) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0)
		return 0;
	/* written to in the last two seconds, else no writer is in the
	 * middle of a line (a file dated ahead of the clock is no live one) */
	if (now.tv_sec - st.st_mtim.tv_sec > 2 || now.tv_sec - st.st_mtim.tv_sec < -1)
		return 0;
	*waited = 1;
	for (int t = 0; t < ms; t += 50) {
		if (st.st_size > 0 && (uint64_t)st.st_size > in->pos)
			return 1;
		struct timespec d = { 0, 50 * 1000000L };
		nanosleep(&d, NULL);
		if (fstat(in->fs.fd, &st) != 0)
			return 0;
	}
	return (uint64_t)st.st_size > in->pos;
}

size_t ms_input_skipped_tail(ms_input *in, void *buf, size_t cap)
{
	if (!in || cap == 0)
		return 0;
	if (in->info.seekable) {
		size_t n = in->pos < cap ? (size_t)in->pos : cap;
		return n && ms_input_pread(in, buf, n, in->pos - n) == (ssize_t)n ? n : 0;
	}
	size_t n = in->skipped_tail_n < cap ? in->skipped_tail_n : cap;
	memcpy(buf, in->skipped_tail + in->skipped_tail_n - n, n);
	return n;
}

const ms_input_info *ms_input_get_info(const ms_input *in)
{
	return in ? &in->info : NULL;
}

int ms_input_archive_damaged(const ms_input *in)
{
	return in && in->outer && in->failed && in->src_failed;
}

const char *ms_input_error(const ms_input *in)
{
	return in ? in->err : "";
}

void ms_input_close(ms_input *in)
{
	if (!in)
		return;
	if (in->ar)
		archive_read_free(in->ar);
	if (in->outer)
		archive_read_free(in->outer);
	fdsrc_close(&in->fs);
	if (in->zs)
		ZSTD_freeDStream(in->zs);
	if (in->gz_init)
		inflateEnd(&in->gz);
	if (in->xz_init)
		lzma_end(&in->xz);
	if (in->bz_init)
		BZ2_bzDecompressEnd(&in->bz);
	if (in->own_fd && in->fs.fd >= 0)
		close(in->fs.fd);
	free(in->fs.buf);
	free(in->ibuf);
	free(in->info.display);
	free(in);
}

ssize_t ms_input_peek(const ms_stream_spec *spec, void *buf, size_t cap, char *err, size_t errlen)
{
	ms_input *in = ms_input_open(spec, err, errlen);
	size_t got = 0;

	if (!in)
		return -1;
	while (got < cap) {
		ssize_t r = ms_input_read(in, (unsigned char *)buf + got, cap - got);
		if (r < 0) {
			if (got == 0) {
				seterr(err, errlen, "%s", ms_input_error(in));
				ms_input_close(in);
				return -1;
			}
			break; /* return the good prefix; a full read reports the error */
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	ms_input_close(in);
	return (ssize_t)got;
}

/* ------------------------------------------------------------------ */
/* argument expansion                                                  */

typedef struct {
	ms_stream_spec *v;
	size_t n, cap;
} speclist;

static int specs_push(speclist *l, const char *path, const char *member, int64_t mtime, int64_t size)
{
	ms_stream_spec *s;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		ms_stream_spec *nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = nc;
	}
	s = &l->v[l->n];
	s->path = strdup(path);
	s->member = member ? strdup(member) : NULL;
	s->mtime = mtime;
	s->size = size;
	s->list_error = NULL;
	if (!s->path || (member && !s->member)) {
		free(s->path);
		free(s->member);
		return -1;
	}
	l->n++;
	return 0;
}

void ms_stream_specs_free(ms_stream_spec *specs, size_t n)
{
	if (!specs)
		return;
	for (size_t i = 0; i < n; i++) {
		free(specs[i].path);
		free(specs[i].member);
		free(specs[i].list_error);
	}
	free(specs);
}

void ms_stream_spec_damage(const ms_stream_spec *s, char *buf, size_t cap)
{
	if (!cap)
		return;
	buf[0] = 0;
	if (s->list_error)
		snprintf(buf, cap, "%s after its member %s: no later member could be read", s->list_error,
			 s->member ? s->member : "");
}

/*
 * One entry per regular member of the tar archive at path.  An archive
 * damaged after some of its members gives those members, the last one
 * carrying the damage in list_error (they are read, the damage reported);
 * damaged before its first member, it is an error.
 */
static int list_members(const char *path, speclist *l, char *err, size_t errlen)
{
	fdsrc fs;
	memset(&fs, 0, sizeof fs);
	fs.fd = -1;
	fs.regular = 1;
	struct archive *a = NULL;
	struct archive_entry *e;
	size_t first = l->n;
	int rc = -1;

	fs.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fs.fd < 0) {
		seterrno(err, errlen, errno);
		return -1;
	}
	fs.buf = malloc(MS_IBUF);
	if (!fs.buf) {
		seterrno(err, errlen, ENOMEM);
		goto out;
	}
	a = tar_open(&fs, path, err, errlen);
	if (!a)
		goto out;
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF) {
			if (l->n > first && !tar_ends_clean(&fs, a) &&
			    !(l->v[l->n - 1].list_error = strdup("truncated tar archive (it ends without its end "
								"blocks)"))) {
				seterrno(err, errlen, ENOMEM);
				goto out;
			}
			break;
		}
		if (r < ARCHIVE_WARN) {
			const char *m = archive_error_string(a);
			if (l->n > first) {
				ms_stream_spec *last = &l->v[l->n - 1];
				if (!(last->list_error = strdup(m && *m ? m : "cannot read archive"))) {
					seterrno(err, errlen, ENOMEM);
					goto out;
				}
				break;
			}
			seterr(err, errlen, "%s", m && *m ? m : "cannot read archive");
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
		    !archive_entry_pathname(e))
			continue;
		if (specs_push(l, path, archive_entry_pathname(e),
			       archive_entry_mtime_is_set(e) ? (int64_t)archive_entry_mtime(e) : -1,
			       archive_entry_size_is_set(e) ? (int64_t)archive_entry_size(e) : -1) != 0) {
			seterrno(err, errlen, ENOMEM);
			goto out;
		}
	}
	rc = 0;
out:
	if (a)
		archive_read_free(a);
	fdsrc_close(&fs);
	free(fs.buf);
	close(fs.fd);
	return rc;
}

static void note(const ms_expand_opts *o, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(const ms_expand_opts *o, int level, const char *fmt, ...)
{
	char msg[MS_ERRLEN + 256];
	va_list ap;
	if (!o || !o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->note(o->note_ctx, level, msg);
}

static int is_own_id(const ms_expand_opts *o, const struct stat *st)
{
	for (size_t i = 0; o && i < o->nown; i++)
		if (o->own[i].dev == st->st_dev && o->own[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* path is a file of this run (the database, --rejects) or SQLite's -journal,
 * -wal or -shm file beside one of them */
static int is_own(const ms_expand_opts *o, const char *path, const struct stat *st)
{
	static const char *const sfx[] = { "-journal", "-wal", "-shm" };
	size_t len = strlen(path);
	if (!o || !o->nown)
		return 0;
	if (is_own_id(o, st))
		return 1;
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		size_t sl = strlen(sfx[i]);
		struct stat bs;
		char *base;
		int r;
		if (len <= sl || strcmp(path + len - sl, sfx[i]) != 0)
			continue;
		if (!(base = strndup(path, len - sl)))
			return 0;
		r = stat(base, &bs) == 0 && is_own_id(o, &bs);
		free(base);
		if (r)
			return 1;
	}
	return 0;
}

const char ms_sqlite_magic[16] = "SQLite format 3"; /* and its NUL */

/*
 * A regular file: its members if it is a (possibly compressed) tar archive,
 * else itself.  Other file types (FIFOs, devices) are never probed, since
 * probing would consume their data.  With lenient set (a file found in a
 * directory), a file that cannot be opened is still listed (opening it later
 * reports why), and an SQLite database is left out.
 */
static int expand_file(const char *path, const struct stat *st, int lenient, const ms_expand_opts *o,
		       speclist *l, char *err, size_t errlen)
{
	int64_t mtime = (int64_t)st->st_mtime;
	int64_t size = S_ISREG(st->st_mode) ? (int64_t)st->st_size : -1;

	if (S_ISREG(st->st_mode)) {
		unsigned char head[512];
		ms_stream_spec probe = { (char *)path, NULL, mtime, size, NULL };
		char perr[MS_ERRLEN];
		ssize_t n = ms_input_peek(&probe, head, sizeof head, perr, sizeof perr);
		if (n < 0 && !lenient) {
			/* only a file that cannot be opened at all is an error here;
			 * a data error is reported when the stream is read */
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				seterrno(err, errlen, errno);
				return -1;
			}
			close(fd);
		}
		if (lenient && n >= (ssize_t)sizeof ms_sqlite_magic && !memcmp(head, ms_sqlite_magic, sizeof ms_sqlite_magic)) {
			/* a database (ours, another run's): its bytes are no log, and
			 * they hold the HMAC key */
			note(o, 0, "%s: an SQLite database: not read (name it to read it)", path);
			return 0;
		}
		if (n == (ssize_t)sizeof head && looks_like_tar(head, (size_t)n))
			return list_members(path, l, err, errlen);
	}
	if (specs_push(l, path, NULL, mtime, size) != 0) {
		seterrno(err, errlen, ENOMEM);
		return -1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Debian's rsyslog writes mail.* to mail.log and again, by priority, to
 * mail.info, mail.warn and mail.err, and everything to syslog: beside a
 * mail.log set these sets only repeat its lines.  (RHEL's messages leaves
 * mail out by default: it stays.)
 */
static const char *const repeated_sets[][2] = {
	{ "mail.info", "its lines repeat mail.log" },
	{ "mail.warn", "its lines repeat mail.log" },
	{ "mail.err", "its lines repeat mail.log" },
	{ "syslog", "its mail lines repeat mail.log" },
};

/* the index of base in repeated_sets, or -1 */
static int repeated_set(const char *base)
{
	for (size_t i = 0; i < sizeof repeated_sets / sizeof repeated_sets[0]; i++)
		if (!strcmp(base, repeated_sets[i][0]))
			return (int)i;
	return -1;
}

/* the base name of a directory entry's rotated set ("mail.warn" for "mail.warn.2.gz") */
static void set_base(const char *name, char *buf, size_t cap)
{
	ms_stream_spec sp = { (char *)name, NULL, -1, -1, NULL };
	ms_rotate_set_key(&sp, buf, cap);
}

/* the length of path's directory part ("" and "." are one directory) */
static size_t dir_len(const char *path)
{
	const char *sl = strrchr(path, '/');
	return sl ? (size_t)(sl - path) : 0;
}

static int same_dir(const char *a, const char *b)
{
	size_t la = dir_len(a), lb = dir_len(b);
	return la == lb && !memcmp(a, b, la);
}

size_t ms_drop_repeated_sets(ms_stream_spec *specs, size_t *n, const ms_expand_opts *o)
{
	size_t w = 0, dropped = 0;
	unsigned noted = 0;
	char base[256], other[256];
	/* decided on the whole list first, then compacted: the scan for a
	 * mail.log beside must not read an entry already freed or moved */
	unsigned char *drop = calloc(*n ? *n : 1, 1);
	int *set = calloc(*n ? *n : 1, sizeof *set);
	if (!drop || !set) {
		free(drop);
		free(set);
		return 0; /* out of memory: all of them are read */
	}
	for (size_t i = 0; i < *n; i++) {
		const ms_stream_spec *s = &specs[i];
		int rs = -1;
		if (!s->member && strcmp(s->path, "-")) {
			const char *sl = strrchr(s->path, '/');
			set_base(sl ? sl + 1 : s->path, base, sizeof base);
			rs = repeated_set(base);
		}
		for (size_t k = 0; rs >= 0 && k < *n && !drop[i]; k++) {
			if (specs[k].member || !strcmp(specs[k].path, "-") || !same_dir(specs[k].path, s->path))
				continue;
			const char *sl = strrchr(specs[k].path, '/');
			set_base(sl ? sl + 1 : specs[k].path, other, sizeof other);
			drop[i] = !strcmp(other, "mail.log");
		}
		set[i] = rs;
	}
	for (size_t i = 0; i < *n; i++) {
		ms_stream_spec *s = &specs[i];
		if (!drop[i]) {
			specs[w++] = *s;
			continue;
		}
		int rs = set[i];
		if (!(noted & 1u << rs)) {
			const char *sl = strrchr(s->path, '/');
			set_base(sl ? sl + 1 : s->path, base, sizeof base);
			note(o, 1, "skipped %.*s%s%s: %s, named too; name it without mail.log to read it",
			     (int)dir_len(s->path), s->path, dir_len(s->path) ? "/" : "", base, repeated_sets[rs][1]);
		}
		noted |= 1u << rs;
		free(s->path);
		free(s->member);
		free(s->list_error);
		dropped++;
	}
	free(drop);
	free(set);
	*n = w;
	return dropped;
}

static int expand_dir(const char *dir, const ms_expand_opts *o, speclist *l, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, dlen = strlen(dir);
	int rc = -1;

	if (!d) {
		seterrno(err, errlen, errno);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nv = realloc(names, nc * sizeof *nv);
			if (!nv)
				goto nomem;
			names = nv;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto nomem;
		n++;
	}
	if (errno) {
		seterrno(err, errlen, errno);
		goto out;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	int slash = dlen > 0 && dir[dlen - 1] == '/';
	int maillog = 0;
	unsigned noted = 0; /* the repeated sets already told about */
	char base[256];
	for (size_t i = 0; i < n && !maillog; i++) {
		set_base(names[i], base, sizeof base);
		maillog = !strcmp(base, "mail.log");
	}
	for (size_t i = 0; i < n; i++) {
		size_t plen = dlen + 1 + strlen(names[i]) + 1;
		char *p;
		struct stat st;
		int r = 0, rs;
		set_base(names[i], base, sizeof base);
		if (maillog && (rs = repeated_set(base)) >= 0) {
			if (!(noted & 1u << rs))
				note(o, 1, "skipped %s%s%s: %s; name it to read it", dir, slash ? "" : "/", base,
				     repeated_sets[rs][1]);
			noted |= 1u << rs;
			continue;
		}
		if (!(p = malloc(plen)))
			goto nomem;
		snprintf(p, plen, "%s%s%s", dir, slash ? "" : "/", names[i]);
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			/* not a regular file: left out */
		} else if (is_own(o, p, &st)) {
			note(o, 0, "%s: written by this run (the database or --rejects): not read", p);
		} else {
			char merr[MS_ERRLEN];
			r = expand_file(p, &st, 1, o, l, merr, sizeof merr);
			if (r != 0)
				seterr(err, errlen, "%s: %s", names[i], merr);
		}
		free(p);
		if (r != 0)
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	seterrno(err, errlen, ENOMEM);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int ms_expand_arg(const char *arg, ms_stream_spec **specs, size_t *n, char *err, size_t errlen)
{
	return ms_expand_arg_opts(arg, NULL, specs, n, err, errlen);
}

int ms_expand_arg_opts(const char *arg, const ms_expand_opts *o, ms_stream_spec **specs, size_t *n,
		       char *err, size_t errlen)
{
	speclist l = { NULL, 0, 0 };
	struct stat st;
	int rc;

	if (!specs || !n) {
		seterrno(err, errlen, EINVAL);
		return -1;
	}
	*specs = NULL;
	*n = 0;
	if (!arg || !*arg) {
		seterrno(err, errlen, ENOENT);
		return -1;
	}
	if (strcmp(arg, "-") == 0) {
		rc = specs_push(&l, "-", NULL, -1, -1);
		if (rc != 0)
			seterrno(err, errlen, ENOMEM);
	} else if (stat(arg, &st) != 0) {
		seterrno(err, errlen, errno);
		rc = -1;
	} else if (S_ISDIR(st.st_mode)) {
		rc = expand_dir(arg, o, &l, err, errlen);
	} else if (S_ISREG(st.st_mode) && is_own(o, arg, &st)) {
		/* reading what this run writes would feed it its own bytes */
		seterr(err, errlen, "written by this run (the database or --rejects): not read");
		rc = -1;
	} else {
		rc = expand_file(arg, &st, 0, o, &l, err, errlen);
	}
	if (rc != 0) {
		ms_stream_specs_free(l.v, l.n);
		return -1;
	}
	*specs = l.v;
	*n = l.n;
	return 0;
}
