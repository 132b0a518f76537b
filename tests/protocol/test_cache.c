// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel caching of metadata, checked on the wire with the kernel
 * emulator: the cache times famfsd hands out (logged objects for
 * --cache-timeout, pending ones for --attr/--entry-timeout, .meta/.stats
 * never), READDIRPLUS for every chunk, the readdir cache on logged
 * directories, and the invalidations the follower sends when the log
 * grows (on a client following another host, and once per new object on
 * the master).
 *
 * usage: test_cache FAMFSD [CASE-SUBSTRING]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "img.h"
#include "proto.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Opcodes and flags re-declared from the FUSE protocol (fuse.h 7.x). */
#define OP_GETATTR 3u
#define OP_MKDIR 9u
#define OP_OPENDIR 27u
#define OP_RELEASEDIR 29u
#define OP_READDIRPLUS 44u
#define NOTIFY_INVAL_INODE 2
#define NOTIFY_INVAL_ENTRY 3
#define INIT_DO_READDIRPLUS (1ULL << 13)
#define INIT_READDIRPLUS_AUTO (1ULL << 14)
#define FOPEN_KEEP_CACHE (1u << 1)
#define FOPEN_CACHE_DIR (1u << 3)

/* The timeouts the daemon runs with: distinct, so each is recognisable. */
#define T_CACHE 1234
#define T_ATTR 2
#define T_ENTRY 3

static const char *famfsd;
static char dir[128], img[192], uuidf[192], uuid_client[192], conf[192];
static uint64_t ino_dir; /* logged directory "sub" */
static char why[512];

static uint64_t g64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t g32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int32_t err_of(const uint8_t *r)
{
	return (int32_t)g32(r + 4);
}

/* What a fuse_entry_out says (also inside a direntplus). */
struct ent {
	uint64_t nodeid, entry_valid, attr_valid;
	uint32_t mode;
	char name[80];
};

static void dec_entry(const uint8_t *p, struct ent *o)
{
	o->nodeid = g64(p);
	o->entry_valid = g64(p + 16);
	o->attr_valid = g64(p + 24);
	o->mode = g32(p + 40 + 60);
}

/* LOOKUP: 0 with @o filled (nodeid 0: negative entry), or -errno. */
static int lookup(struct emu *e, uint64_t parent, const char *name,
		  struct ent *o)
{
	uint8_t r[256];
	ssize_t n = emu_call(e, OP_LOOKUP, parent, name, strlen(name) + 1, NULL,
			     0, r, sizeof(r));

	if (n < 16)
		return -EIO;
	if (err_of(r))
		return err_of(r);
	if (n != 16 + 128)
		return -EPROTO;
	dec_entry(r + 16, o);
	return 0;
}

/* GETATTR: attr_valid, or -1. */
static long long getattr_valid(struct emu *e, uint64_t nodeid)
{
	uint8_t in[16] = { 0 }, r[256];
	ssize_t n = emu_call(e, OP_GETATTR, nodeid, in, sizeof(in), NULL, 0, r,
			     sizeof(r));

	if (n != 16 + 104 || err_of(r))
		return -1;
	return (long long)g64(r + 16);
}

static int opendir(struct emu *e, uint64_t nodeid, uint64_t *fh,
		   uint32_t *open_flags)
{
	uint8_t in[8] = { 0 }, r[64];
	ssize_t n = emu_call(e, OP_OPENDIR, nodeid, in, sizeof(in), NULL, 0, r,
			     sizeof(r));

	if (n != 32 || err_of(r))
		return -1;
	*fh = g64(r + 16);
	*open_flags = g32(r + 24);
	return 0;
}

static void releasedir(struct emu *e, uint64_t nodeid, uint64_t fh)
{
	uint8_t in[24] = { 0 }, r[64];

	memcpy(in, &fh, 8);
	emu_call(e, OP_RELEASEDIR, nodeid, in, sizeof(in), NULL, 0, r,
		 sizeof(r));
}

/* One READDIRPLUS from offset 0: entries decoded into @o; count or -1. */
static int readdirplus(struct emu *e, uint64_t nodeid, uint64_t fh,
		       struct ent *o, int max)
{
	static uint8_t r[16 + 65536];
	uint8_t in[40] = { 0 };
	uint32_t size = 65536;
	size_t off = 16;
	ssize_t n;
	int k = 0;

	memcpy(in, &fh, 8);
	memcpy(in + 16, &size, 4);
	n = emu_call(e, OP_READDIRPLUS, nodeid, in, sizeof(in), NULL, 0, r,
		     sizeof(r));
	if (n < 16 || err_of(r))
		return -1;
	while (off + 152 <= (size_t)n && k < max) {
		uint32_t namelen = g32(r + off + 144);

		if (namelen == 0 || namelen >= sizeof(o[k].name) ||
		    off + 152 + namelen > (size_t)n)
			return -1;
		dec_entry(r + off, &o[k]);
		memcpy(o[k].name, r + off + 152, namelen);
		o[k].name[namelen] = '\0';
		k++;
		off += (152 + namelen + 7) & ~(size_t)7;
	}
	return k;
}

static const struct ent *find(const struct ent *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* Notifications seen for one directory. */
struct seen {
	unsigned entry; /* INVAL_ENTRY(parent, name) */
	unsigned old; /* INVAL_ENTRY(parent, old): a name already there */
	unsigned inode; /* INVAL_INODE(parent) */
};

static bool is_entry(const uint8_t *r, ssize_t n, uint64_t parent,
		     const char *name)
{
	size_t l = strlen(name);

	return err_of(r) == NOTIFY_INVAL_ENTRY && n >= 32 + (ssize_t)l &&
	       g64(r + 16) == parent && g32(r + 24) == l &&
	       !memcmp(r + 32, name, l);
}

static void count(const uint8_t *r, ssize_t n, uint64_t parent,
		  const char *name, const char *old, struct seen *s)
{
	if (n < 16 || g64(r + 8) != 0)
		return; /* not a notification */
	s->entry += is_entry(r, n, parent, name);
	s->old += is_entry(r, n, parent, old);
	if (err_of(r) == NOTIFY_INVAL_INODE && n >= 40 && g64(r + 16) == parent)
		s->inode++;
}

/*
 * Count notifications about directory @parent (those emu_call passed over
 * first) for up to @ms milliseconds; with @until_both, stop once the entry
 * and the inode were both seen.
 */
static void watch(struct emu *e, uint64_t parent, const char *name,
		  const char *old, int ms, bool until_both, struct seen *s)
{
	static uint8_t r[4096];
	struct timespec t0, t;
	size_t kept;

	while ((kept = emu_take_note(e, r, sizeof(r))))
		count(r, (ssize_t)kept, parent, name, old, s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = e->fd, .events = POLLIN };
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 +
			     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || (until_both && s->entry && s->inode))
			return;
		if (poll(&p, 1, (int)left) != 1)
			return;
		count(r, recv(e->fd, r, sizeof(r), 0), parent, name, old, s);
	}
}

static int build_image(void)
{
	struct famfs_fs *fs;
	struct famfs_fmap m;
	uint64_t ino;
	FILE *f;
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/wire/cache-%d", (int)getpid());
	mkdir("/tmp/wire", 0755);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(img, sizeof(img), "%s/dev0.img", dir);
	snprintf(uuidf, sizeof(uuidf), "%s/system_uuid", dir);
	snprintf(uuid_client, sizeof(uuid_client), "%s/client_uuid", dir);
	snprintf(conf, sizeof(conf), "%s/cache.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	/* The cache times, from the file (emu_opts has 4 extra options). */
	fprintf(f,
		"[famfsd]\ncache_timeout = %d\nattr_timeout = %d\n"
		"entry_timeout = %d\n",
		T_CACHE, T_ATTR, T_ENTRY);
	fclose(f);
	if (img_create(img, 1 * GiB, uuidf, &fs))
		return -1;
	rc = img_file_simple(fs, "f1", 1, 2 * MiB, &m, &ino);
	if (!rc)
		rc = famfs_fs_mkdir(fs, "sub", 0755, 0, 0, &ino_dir);
	if (!rc)
		rc = img_file_simple(fs, "sub/f2", 1, 2 * MiB, &m, &ino);
	famfs_fs_close(fs);
	return rc ? -1 : 0;
}

/* Append to the image as its master while a daemon follows it. */
static int append(const char *const *files, const char *mkdir_path)
{
	struct famfs_fs_opts fo;
	struct famfs_err err;
	struct famfs_fs *fs;
	struct famfs_fmap m;
	uint64_t ino;
	int rc;

	famfs_fs_opts_init(&fo);
	fo.system_uuid_path = uuidf;
	rc = famfs_fs_open(img, &fo, &fs, &err);
	if (rc)
		return rc;
	rc = famfs_fs_lock(fs, false);
	if (!rc && mkdir_path)
		rc = famfs_fs_mkdir(fs, mkdir_path, 0755, 0, 0, &ino);
	for (int i = 0; !rc && files[i]; i++)
		rc = img_file_simple(fs, files[i], 1, 2 * MiB, &m, &ino);
	famfs_fs_close(fs);
	return rc;
}

static struct emu *cur;

static int start(struct emu *e, const char *uuid, const char *poll_ms,
		 const char *settle_ms, struct dec_init *di)
{
	struct emu_opts o = { .famfsd = famfsd,
			      .image = img,
			      .uuid_file = uuid,
			      .config = conf,
			      .data_path = "auto" };

	o.extra[0] = "--poll-ms";
	o.extra[1] = poll_ms;
	o.extra[2] = "--settle-ms";
	o.extra[3] = settle_ms;
	cur = e;
	if (emu_start(e, &o))
		return -1;
	CHECK(!p_init(e, PROTO_BASE_FLAGS, PROTO_MINOR_STOCK, di, why,
		      sizeof(why)),
	      "INIT: %s", why);
	return 0;
}

/* Logged names, attributes and negative names: cache_timeout. */
static int case_logged(void)
{
	static struct emu e;
	struct dec_init di;
	struct ent f1, neg, meta, stats;

	if (start(&e, uuidf, "1000", "600000", &di))
		return -1;
	CHECK(di.flags & INIT_DO_READDIRPLUS, "READDIRPLUS not wanted");
	CHECK(!(di.flags & INIT_READDIRPLUS_AUTO),
	      "READDIRPLUS_AUTO wanted: plain READDIR after the first chunk");
	CHECK(!lookup(&e, 1, "f1", &f1) && f1.nodeid, "lookup f1");
	CHECK(f1.entry_valid == T_CACHE && f1.attr_valid == T_CACHE,
	      "logged f1 cached %llu/%llu s",
	      (unsigned long long)f1.entry_valid,
	      (unsigned long long)f1.attr_valid);
	CHECK(getattr_valid(&e, f1.nodeid) == T_CACHE, "GETATTR f1: %lld",
	      getattr_valid(&e, f1.nodeid));
	CHECK(getattr_valid(&e, ino_dir) == T_CACHE, "GETATTR sub: %lld",
	      getattr_valid(&e, ino_dir));
	CHECK(!lookup(&e, 1, "nope", &neg) && !neg.nodeid, "lookup nope");
	CHECK(neg.entry_valid == T_CACHE, "negative entry cached %llu s",
	      (unsigned long long)neg.entry_valid);
	CHECK(!lookup(&e, 1, ".meta", &meta) && meta.nodeid, "lookup .meta");
	CHECK(!lookup(&e, meta.nodeid, ".stats", &stats) && stats.nodeid,
	      "lookup .stats");
	/* Its size changes; each open looks it up again (stats.c). */
	CHECK(stats.attr_valid == 0 && stats.entry_valid == 0,
	      ".stats cached %llu/%llu s, want 0/0",
	      (unsigned long long)stats.entry_valid,
	      (unsigned long long)stats.attr_valid);
	CHECK(getattr_valid(&e, stats.nodeid) == 0, "GETATTR .stats: %lld",
	      getattr_valid(&e, stats.nodeid));
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* Pending objects (master): the short timeouts, no readdir cache. */
static int case_pending(void)
{
	static struct emu e;
	static uint8_t r[512];
	struct dec_init di;
	struct ent pd, neg, v[16];
	const struct ent *x;
	uint8_t in[16] = { 0 };
	uint32_t mode = 0755, flags;
	uint64_t fh, pf;
	ssize_t n;
	int k;

	if (start(&e, uuidf, "1000", "600000", &di))
		return -1;
	memcpy(in, &mode, 4);
	n = emu_call(&e, OP_MKDIR, 1, in, 8, "pd", 3, r, sizeof(r));
	CHECK(n == 16 + 128 && !err_of(r), "MKDIR pd");
	dec_entry(r + 16, &pd);
	CHECK(pd.entry_valid == T_ENTRY && pd.attr_valid == T_ATTR,
	      "pending dir cached %llu/%llu s",
	      (unsigned long long)pd.entry_valid,
	      (unsigned long long)pd.attr_valid);
	CHECK(getattr_valid(&e, pd.nodeid) == T_ATTR, "GETATTR pd: %lld",
	      getattr_valid(&e, pd.nodeid));
	CHECK(!lookup(&e, pd.nodeid, "x", &neg) && !neg.nodeid, "lookup pd/x");
	CHECK(neg.entry_valid == T_ENTRY,
	      "negative entry under a pending dir cached %llu s",
	      (unsigned long long)neg.entry_valid);
	flags = O_RDWR | O_CREAT | O_EXCL;
	memcpy(in, &flags, 4);
	mode = S_IFREG | 0644;
	memcpy(in + 4, &mode, 4);
	n = emu_call(&e, OP_CREATE, 1, in, sizeof(in), "pf", 3, r, sizeof(r));
	CHECK(n >= 16 + 128 && !err_of(r), "CREATE pf");
	pf = g64(r + 16);
	CHECK(g64(r + 32) == T_ENTRY && g64(r + 40) == T_ATTR,
	      "pending file cached %llu/%llu s",
	      (unsigned long long)g64(r + 32), (unsigned long long)g64(r + 40));
	CHECK(!p_release(&e, pf, g64(r + 16 + 128)), "release pf");

	CHECK(!opendir(&e, 1, &fh, &flags), "OPENDIR /");
	CHECK((flags & (FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE)) ==
		      (FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE),
	      "logged dir opened with flags %#x", flags);
	k = readdirplus(&e, 1, fh, v, 16);
	CHECK(k >= 5, "READDIRPLUS / gave %d entries", k);
	x = find(v, k, "f1");
	CHECK(x && x->entry_valid == T_CACHE && x->attr_valid == T_CACHE,
	      "readdirplus f1");
	x = find(v, k, "sub");
	CHECK(x && x->entry_valid == T_CACHE && x->attr_valid == T_CACHE &&
		      S_ISDIR(x->mode),
	      "readdirplus sub");
	x = find(v, k, "pf");
	CHECK(x && x->nodeid == pf && x->entry_valid == T_ENTRY &&
		      x->attr_valid == T_ATTR,
	      "readdirplus pf");
	x = find(v, k, "pd");
	CHECK(x && x->entry_valid == T_ENTRY && x->attr_valid == T_ATTR,
	      "readdirplus pd");
	releasedir(&e, 1, fh);
	CHECK(!opendir(&e, pd.nodeid, &fh, &flags), "OPENDIR pd");
	CHECK(!(flags & FOPEN_CACHE_DIR), "pending dir opened with %#x", flags);
	releasedir(&e, pd.nodeid, fh);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* A client is told about names another host logged, and their dirs. */
static int case_client_follow(void)
{
	static struct emu e;
	static const char *const files[] = { "late", "newdir/inner", NULL };
	struct dec_init di;
	struct ent neg, late, nd;
	struct seen root = { 0, 0, 0 };

	if (start(&e, uuid_client, "20", "1000", &di))
		return -1;
	CHECK(!lookup(&e, 1, "late", &neg) && !neg.nodeid, "lookup late");
	CHECK(neg.entry_valid == T_CACHE, "negative entry cached %llu s",
	      (unsigned long long)neg.entry_valid);
	CHECK(!append(files, "newdir"), "appending to the log");
	watch(&e, 1, "late", "f1", 30000, true, &root);
	CHECK(root.entry == 1 && root.inode >= 1,
	      "INVAL_ENTRY(/, late) %u, INVAL_INODE(/) %u within 30 s",
	      root.entry, root.inode);
	CHECK(!root.old, "INVAL_ENTRY for f1, an old name");
	CHECK(!lookup(&e, 1, "late", &late) && late.nodeid,
	      "late not found after the notification");
	CHECK(!lookup(&e, 1, "newdir", &nd) && nd.nodeid, "lookup newdir");
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

/* CREATE @name in @parent, write 4 KiB, RELEASE: the nodeid or 0. */
static uint64_t make_file(struct emu *e, uint64_t parent, const char *name)
{
	static uint8_t r[512], data[4096];
	uint8_t in[16] = { 0 };
	uint32_t v = O_RDWR | O_CREAT | O_EXCL;
	uint64_t nid, fh;
	ssize_t n;

	memcpy(in, &v, 4);
	v = S_IFREG | 0644;
	memcpy(in + 4, &v, 4);
	n = emu_call(e, OP_CREATE, parent, in, sizeof(in), name,
		     strlen(name) + 1, r, sizeof(r));
	if (n < 16 + 128 || err_of(r))
		return 0;
	nid = g64(r + 16);
	fh = g64(r + 16 + 128);
	memset(data, 7, sizeof(data));
	if (p_write(e, nid, fh, 0, data, sizeof(data)) != sizeof(data) ||
	    p_release(e, nid, fh))
		return 0;
	return nid;
}

/* Master: an object logged by the commit pass is invalidated once, under
 * its directory's nodeid (a directory made through the mount keeps its
 * temporary one). */
static int case_master_once(void)
{
	static struct emu e;
	static uint8_t r[512];
	struct dec_init di;
	struct seen s = { 0, 0, 0 }, sp = { 0, 0, 0 };
	uint8_t in[8] = { 0 };
	uint32_t mode = 0755;
	uint64_t pd;
	ssize_t n;

	if (start(&e, uuidf, "1000", "0", &di))
		return -1;
	CHECK(make_file(&e, ino_dir, "made"), "sub/made");
	watch(&e, ino_dir, "made", "f2", 30000, true, &s);
	CHECK(s.entry == 1 && s.inode == 1,
	      "INVAL_ENTRY(sub, made) %u, INVAL_INODE(sub) %u within 30 s",
	      s.entry, s.inode);
	watch(&e, ino_dir, "made", "f2", 500, false, &s);
	CHECK(s.entry == 1 && s.inode == 1 && !s.old,
	      "%u INVAL_ENTRY, %u INVAL_INODE for one logged file (%u for f2)",
	      s.entry, s.inode, s.old);

	memcpy(in, &mode, 4);
	n = emu_call(&e, OP_MKDIR, 1, in, sizeof(in), "pd", 3, r, sizeof(r));
	CHECK(n == 16 + 128 && !err_of(r), "MKDIR pd");
	pd = g64(r + 16);
	CHECK(make_file(&e, pd, "x"), "pd/x");
	watch(&e, pd, "x", "made", 30000, true, &sp);
	watch(&e, pd, "x", "made", 500, false, &sp);
	CHECK(sp.entry == 1 && sp.inode == 1,
	      "INVAL_ENTRY(pd by its nodeid, x) %u, INVAL_INODE(pd) %u",
	      sp.entry, sp.inode);
	CHECK(emu_stop(&e) == 0, "daemon exit status not 0");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{ "logged objects: cache_timeout", case_logged },
		{ "pending objects: short timeouts", case_pending },
		{ "client: invalidations from the log", case_client_follow },
		{ "master: one invalidation per logged object",
		  case_master_once },
	};
	const char *only = argc > 2 ? argv[2] : NULL;
	int fails = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FAMFSD [CASE-SUBSTRING]\n", argv[0]);
		return 2;
	}
	famfsd = argv[1];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		if (only && !strstr(cases[i].name, only))
			continue;
		/* A fresh image each time: the cases append to it. */
		if (build_image()) {
			fprintf(stderr, "cannot build the test image\n");
			return 1;
		}
		r = p_run_case(cases[i].name, cases[i].fn, &cur);
		if (!r && cur)
			unlink(cur->logpath);
		fails += r;
	}
	unlink(img);
	unlink(uuidf);
	unlink(uuid_client);
	unlink(conf);
	rmdir(dir);
	return fails ? 1 : 0;
}
