// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE dax passthrough: files whose data lives on a devdax device.
 *
 * Two ABIs give an open file its map. famfs's OPEN-reply form: the daemon
 * registers /dev/daxX.Y with FAMFUSE_IOC_DAX_OPEN (dax_backing.c) and
 * answers OPEN/CREATE with FOPEN_PASSTHROUGH, the registration's id and a
 * map record (type 33 or 34) after fuse_open_out, parsed here. The 7.47
 * extent-map ABI: the map was pushed earlier with FUSE_NOTIFY_MAP and the
 * open names it by its 64-bit id (extmap.c). Either way the map is cached
 * on the inode while dax files are open; read/write copy between the
 * caller and the device's kernel mapping; mmap faults insert the device's
 * page frames (2 MiB when possible). The daemon sees no data.
 *
 * Why not fs/dax.c: in 6.12 a devdax struct dax_device has no
 * dax_operations, so dax_iomap_rw/dax_iomap_fault cannot reach it without
 * changing built-in code. device_dax maps its pages as ZONE_DEVICE memory
 * (MEMORY_DEVICE_GENERIC), which is in the kernel direct map, and its
 * physical ranges are in struct dev_dax (drivers/dax/dax-private.h of the
 * same tree), reached through the devdax file's private_data.
 *
 * Why no S_DAX on the inode: fuse treats IS_DAX inodes as virtiofs dax
 * (FUSE_IS_DAX), which would route them to fs/fuse/dax.c. The vma gets
 * VM_MIXEDMAP instead, which makes mm treat it as a special huge mapping.
 */
#include "fuse_i.h"
#include "dax-private.h"
#include "dax_internal.h"

#include <linux/build_bug.h>
#include <linux/dax.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uio.h>

#include "famfs/fuse_dax.h"

/* ---- OPEN / CREATE reply extension -------------------------------------- */

void fuse_dpt_open_args(struct fuse_conn *fc, struct fuse_file *ff,
			struct fuse_args *args, int opcode)
{
	struct fuse_arg *arg = &args->out_args[args->out_numargs];

	if (!fc->passthrough_dax) {
		/* 7.47: fuse_open_out is 24 bytes, backing_id_64 last */
		if (fc->minor >= FUSE47_MINOR) {
			ff->x47_id = 0;
			arg->size = sizeof(ff->x47_id);
			arg->value = &ff->x47_id;
			args->out_numargs++;
		}
		return;
	}
	/* the OPEN-reply form: a record after OPEN and CREATE replies */
	if (opcode != FUSE_OPEN && opcode != FUSE_CREATE)
		return;
	/* On failure the open just cannot carry an extent list. */
	ff->dpt_ext = kvmalloc(FUSE_DPT_MAX_OPEN_EXT, GFP_KERNEL);
	if (!ff->dpt_ext)
		return;
	arg->size = FUSE_DPT_MAX_OPEN_EXT;
	arg->value = ff->dpt_ext;
	args->out_numargs++;
	args->out_argvar = true;
}

int fuse_dpt_open_reply(struct fuse_file *ff, int err)
{
	if (!ff->dpt_ext)
		return err;
	if (err < 0) {
		fuse_dpt_ext_free(ff);
		return err;
	}
	/* with out_argvar the request returns the last arg's size */
	ff->dpt_ext_len = err;
	return 0;
}

void fuse_dpt_ext_free(struct fuse_file *ff)
{
	kvfree(ff->dpt_ext);
	ff->dpt_ext = NULL;
	ff->dpt_ext_len = 0;
}

static void dpt_map_free(struct fuse_dpt_map *map)
{
	u32 i;

	for (i = 0; i < map->nr; i++)
		fuse_backing_put(map->ext[i].fb);
	kvfree(map);
}

struct fuse_dpt_map *dpt_map_alloc(u32 nr)
{
	struct fuse_dpt_map *map = kvzalloc(struct_size(map, ext, nr),
					    GFP_KERNEL);

	if (map)
		refcount_set(&map->count, 1);
	return map;
}

void dpt_map_put(struct fuse_dpt_map *map)
{
	if (map && refcount_dec_and_test(&map->count))
		dpt_map_free(map);
}

/*
 * Builds a map from a FUSE_EXT_DAX_EXTENTS record. def is the open's
 * backing (not consumed). Every rule of fuse_dax.h is checked; returns
 * ERR_PTR(-EIO) with the reason in the log, or -ENOMEM.
 */
static struct fuse_dpt_map *dpt_map_build(struct fuse_conn *fc, u64 ino,
					  const struct fuse_dax_extents *rec,
					  struct fuse_backing *def)
{
	const struct fuse_dax_extent *e;
	struct fuse_dpt_map *map;
	u64 next = 0, end;
	u32 i, n = rec->nr_extents;

	if (n == 0) {
		dpt_err(ino, "nr_extents is 0");
		return ERR_PTR(-EIO);
	}
	if (rec->hdr.size != sizeof(*rec) + (u64)n * sizeof(*e)) {
		dpt_err(ino, "record size %u does not match %u extents",
			rec->hdr.size, n);
		return ERR_PTR(-EIO);
	}
	if (rec->flags || rec->reserved) {
		dpt_err(ino, "reserved fields of the extent list are not 0");
		return ERR_PTR(-EIO);
	}
	map = dpt_map_alloc(n);
	if (!map)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < n; i++) {
		struct fuse_dpt_ext *m = &map->ext[i];
		struct fuse_dpt_dev *dd;

		e = &rec->ext[i];
		if (e->flags) {
			dpt_err(ino, "extent %u: flags 0x%x not 0", i, e->flags);
			goto bad;
		}
		m->fb = e->backing_id ? dpt_lookup(fc, e->backing_id) :
					fuse_backing_get(def);
		if (!m->fb) {
			dpt_err(ino, "extent %u: backing id %d is not a dax registration",
				i, e->backing_id);
			goto bad;
		}
		map->nr = i + 1; /* from here on freed with the map */
		dd = m->fb->dpt;
		if (e->file_offset != next) {
			dpt_err(ino, "extent %u: file offset %llu, expected %llu (%s)",
				i, e->file_offset, next,
				e->file_offset < next ? "overlap or unsorted" :
				i ? "hole" : "map does not start at 0");
			goto bad;
		}
		if (!e->length) {
			dpt_err(ino, "extent %u: length 0", i);
			goto bad;
		}
		if (!IS_ALIGNED(e->file_offset, dd->align) ||
		    !IS_ALIGNED(e->dax_offset, dd->align) ||
		    !IS_ALIGNED(e->length, dd->align)) {
			dpt_err(ino, "extent %u: not aligned to %u (file %llu dax %llu len %llu)",
				i, dd->align, e->file_offset, e->dax_offset,
				e->length);
			goto bad;
		}
		if (check_add_overflow(e->dax_offset, e->length, &end) ||
		    end > dd->size) {
			dpt_err(ino, "extent %u: dax range %llu+%llu outside the device (%llu bytes)",
				i, e->dax_offset, e->length, dd->size);
			goto bad;
		}
		if (check_add_overflow(next, e->length, &next)) {
			dpt_err(ino, "extent %u: file size overflows", i);
			goto bad;
		}
		m->foff = e->file_offset;
		m->doff = e->dax_offset;
		m->len = e->length;
	}
	map->size = next;
	return map;
bad:
	dpt_map_free(map);
	return ERR_PTR(-EIO);
}

/* Strip i of a stripes record: reference and checks as for extents. */
static struct fuse_dpt_map *dpt_stripes_build(struct fuse_conn *fc, u64 ino,
					      const struct fuse_dax_stripes *rec,
					      struct fuse_backing *def)
{
	u32 i, n = rec->nstrips;
	struct fuse_dpt_map *map;
	u64 ch = rec->chunk_size, nchunks, end;

	if (n < 1 || n > 64) {
		dpt_err(ino, "nstrips %u outside 1..64", n);
		return ERR_PTR(-EIO);
	}
	if (rec->hdr.size != sizeof(*rec) + (u64)n * sizeof(rec->strip[0])) {
		dpt_err(ino, "record size %u does not match %u strips",
			rec->hdr.size, n);
		return ERR_PTR(-EIO);
	}
	if (rec->flags) {
		dpt_err(ino, "reserved fields of the stripe record are not 0");
		return ERR_PTR(-EIO);
	}
	if (!ch || !is_power_of_2(ch) || !rec->file_size ||
	    rec->file_size % ch) {
		dpt_err(ino, "chunk size %llu / file size %llu invalid", ch,
			rec->file_size);
		return ERR_PTR(-EIO);
	}
	nchunks = rec->file_size / ch;
	map = dpt_map_alloc(n);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->chunk = ch;
	map->chunk_shift = ilog2(ch);
	map->size = rec->file_size;
	for (i = 0; i < n; i++) {
		const struct fuse_dax_strip *st = &rec->strip[i];
		struct fuse_dpt_ext *m = &map->ext[i];
		/* rows of strip i: chunks c < nchunks with c % n == i */
		u64 rows = nchunks > i ? (nchunks - i + n - 1) / n : 0;
		struct fuse_dpt_dev *dd;

		if (st->flags) {
			dpt_err(ino, "strip %u: flags 0x%x not 0", i, st->flags);
			goto bad;
		}
		m->fb = st->backing_id ? dpt_lookup(fc, st->backing_id) :
					 fuse_backing_get(def);
		if (!m->fb) {
			dpt_err(ino, "strip %u: backing id %d is not a dax registration",
				i, st->backing_id);
			goto bad;
		}
		map->nr = i + 1;
		dd = m->fb->dpt;
		if (!IS_ALIGNED(ch, dd->align) ||
		    !IS_ALIGNED(st->dax_offset, dd->align) ||
		    st->length % ch) {
			dpt_err(ino, "strip %u: not aligned (chunk %llu dax %llu len %llu, align %u)",
				i, ch, st->dax_offset, st->length, dd->align);
			goto bad;
		}
		if (st->length < rows * ch) {
			dpt_err(ino, "strip %u: %llu bytes, %llu rows of %llu needed",
				i, st->length, rows, ch);
			goto bad;
		}
		if (check_add_overflow(st->dax_offset, st->length, &end) ||
		    end > dd->size) {
			dpt_err(ino, "strip %u: dax range %llu+%llu outside the device (%llu bytes)",
				i, st->dax_offset, st->length, dd->size);
			goto bad;
		}
		m->doff = st->dax_offset;
		m->len = st->length;
	}
	return map;
bad:
	dpt_map_free(map);
	return ERR_PTR(-EIO);
}

static bool dpt_map_equal(const struct fuse_dpt_map *a,
			  const struct fuse_dpt_map *b)
{
	u32 i;

	if (a->nr != b->nr || a->chunk != b->chunk || a->size != b->size)
		return false;
	for (i = 0; i < a->nr; i++)
		if (a->ext[i].foff != b->ext[i].foff ||
		    a->ext[i].doff != b->ext[i].doff ||
		    a->ext[i].len != b->ext[i].len ||
		    a->ext[i].fb != b->ext[i].fb)
			return false;
	return true;
}

static bool dpt_map_writable(const struct fuse_dpt_map *map)
{
	u32 i;

	for (i = 0; i < map->nr; i++)
		if (!map->ext[i].fb->dpt->writable)
			return false;
	return true;
}

/*
 * Walks the extension area. Returns the extents record, NULL when there
 * is none, or ERR_PTR(-EIO) for malformed or unknown records.
 */
static const struct fuse_dax_ext_header *dpt_find_record(u64 ino,
							 const u8 *buf, u32 len)
{
	const struct fuse_dax_ext_header *found = NULL;
	u32 off = 0;

	while (off < len) {
		const struct fuse_dax_ext_header *h = (const void *)(buf + off);

		if (len - off < sizeof(*h) || h->size < sizeof(*h) ||
		    h->size % 8 || h->size > len - off) {
			dpt_err(ino, "malformed extension header at offset %u", off);
			return ERR_PTR(-EIO);
		}
		if (h->type != FUSE_EXT_DAX_EXTENTS &&
		    h->type != FUSE_EXT_DAX_STRIPES) {
			dpt_err(ino, "unsupported extension type %u", h->type);
			return ERR_PTR(-EIO);
		}
		if (found) {
			dpt_err(ino, "more than one map record");
			return ERR_PTR(-EIO);
		}
		if (h->size < (h->type == FUSE_EXT_DAX_EXTENTS ?
				       sizeof(struct fuse_dax_extents) :
				       sizeof(struct fuse_dax_stripes))) {
			dpt_err(ino, "map record too short (%u bytes)", h->size);
			return ERR_PTR(-EIO);
		}
		found = h;
		off += h->size;
	}
	return found;
}

int dpt_attach(struct inode *inode, struct file *file,
	       struct fuse_dpt_map *map)
{
	struct fuse_file *ff = file->private_data;
	struct fuse_inode *fi = get_fuse_inode(inode);
	int err = 0;

	if ((file->f_mode & FMODE_WRITE) && !dpt_map_writable(map))
		return -EACCES;
	spin_lock(&fi->lock);
	if (fuse_inode_backing(fi) || (fi->dpt_map && fi->dpt_map != map)) {
		err = -EBUSY; /* another backing on this inode */
	} else {
		if (!fi->dpt_map) {
			refcount_inc(&map->count); /* the inode's */
			fi->dpt_map = map;
		}
		fi->dpt_nopen++;
		refcount_inc(&map->count); /* the file's */
		ff->dpt_map = map;
	}
	spin_unlock(&fi->lock);
	return err;
}

/*
 * The OPEN-reply form: called from fuse_file_io_open() for a
 * FOPEN_PASSTHROUGH open whose backing_id is a dax registration. On
 * success ff holds a map reference (the inode's cached map). Returns
 * -EIO/-ENOMEM/-EBUSY/-EACCES.
 */
int fuse_dpt_file_open(struct inode *inode, struct file *file)
{
	struct fuse_file *ff = file->private_data;
	struct fuse_conn *fc = get_fuse_conn(inode);
	struct fuse_inode *fi = get_fuse_inode(inode);
	const struct fuse_dax_ext_header *rec;
	struct fuse_dpt_map *map = NULL, *old;
	struct fuse_backing *def;
	u64 ino = fi->nodeid;
	int err = -EIO;

	def = dpt_lookup(fc, ff->args->open_outarg.backing_id);
	if (!def) {
		dpt_err(ino, "backing id %d is not a dax registration",
			ff->args->open_outarg.backing_id);
		return -EIO;
	}
	rec = dpt_find_record(ino, ff->dpt_ext, ff->dpt_ext_len);
	if (IS_ERR(rec)) {
		err = PTR_ERR(rec);
		goto out_put;
	}
	if (rec) {
		if (rec->type == FUSE_EXT_DAX_STRIPES)
			map = dpt_stripes_build(fc, ino, (const void *)rec, def);
		else
			map = dpt_map_build(fc, ino, (const void *)rec, def);
		if (IS_ERR(map)) {
			err = PTR_ERR(map);
			map = NULL;
			goto out_put;
		}
	}
	/* later opens may omit the record or must repeat it exactly */
	spin_lock(&fi->lock);
	old = fi->dpt_map;
	if (old)
		refcount_inc(&old->count);
	spin_unlock(&fi->lock);
	if (!old && !map) {
		dpt_err(ino, "first dax open without an extent list");
		goto out_put;
	}
	if (old && map && !dpt_map_equal(old, map)) {
		dpt_err(ino, "extent list differs from the cached one");
		goto out_put;
	}
	err = dpt_attach(inode, file, old ? old : map);
	if (err == -EBUSY)
		dpt_err(ino, "inode already has another backing");
	else if (err == -EACCES)
		dpt_err(ino, "write open, but a device is registered read-only");
out_put:
	dpt_map_put(old);
	dpt_map_put(map);
	fuse_backing_put(def);
	return err;
}

void fuse_dpt_file_release(struct fuse_file *ff, struct inode *inode)
{
	struct fuse_inode *fi = get_fuse_inode(inode);
	struct fuse_dpt_map *map = ff->dpt_map, *inode_ref = NULL;

	if (!map)
		return;
	ff->dpt_map = NULL;
	spin_lock(&fi->lock);
	/* the last dax file of the inode: the inode lets go of its map */
	if (fi->dpt_nopen && !--fi->dpt_nopen) {
		inode_ref = fi->dpt_map;
		fi->dpt_map = NULL;
	}
	spin_unlock(&fi->lock);
	dpt_map_put(inode_ref);
	dpt_map_put(map);
}

bool fuse_dpt_inode_mapped(struct fuse_inode *fi)
{
	return READ_ONCE(fi->dpt_map) != NULL;
}

bool fuse_dpt_file(struct fuse_file *ff)
{
	return ff->dpt_map != NULL;
}

/* ---- address resolution ------------------------------------------------- */

/* The extent holding file offset pos, or NULL past the map. */
static const struct fuse_dpt_ext *dpt_find(const struct fuse_dpt_map *map,
					   u64 pos)
{
	u32 lo = 0, hi = map->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct fuse_dpt_ext *e = &map->ext[mid];

		if (pos < e->foff)
			hi = mid;
		else if (pos - e->foff >= e->len)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

/*
 * The piece of the map holding file offset pos (an extent, or the chunk of
 * a striped file), in *out. False past the map.
 */
static bool dpt_resolve(const struct fuse_dpt_map *map, u64 pos,
			struct fuse_dpt_ext *out)
{
	const struct fuse_dpt_ext *e;
	u64 c, row;
	u32 strip;

	if (!map->chunk) {
		e = dpt_find(map, pos);
		if (!e)
			return false;
		*out = *e;
		return true;
	}
	if (pos >= map->size)
		return false;
	c = map->chunk_shift ? pos >> map->chunk_shift :
			       div64_u64(pos, map->chunk);
	row = div_u64_rem(c, map->nr, &strip);
	e = &map->ext[strip];
	out->foff = c * map->chunk;
	out->doff = e->doff + row * map->chunk;
	out->len = map->chunk;
	out->fb = e->fb;
	return true;
}

/*
 * Physical address of device offset doff; *run is set to the bytes that
 * stay physically contiguous from there. Caller holds dax_read_lock.
 */
static phys_addr_t dpt_phys(const struct fuse_dpt_dev *dd, u64 doff, u64 *run)
{
	struct dev_dax *dev_dax = dd->dev_dax;
	u64 base = 0;
	int i;

	for (i = 0; i < dev_dax->nr_range; i++) {
		const struct range *r = &dev_dax->ranges[i].range;
		u64 len = range_len(r);

		if (doff - base < len) {
			*run = len - (doff - base);
			return r->start + (doff - base);
		}
		base += len;
	}
	return (phys_addr_t)-1;
}

/* ---- read / write -------------------------------------------------------- */

static ssize_t dpt_rw(struct kiocb *iocb, struct iov_iter *iter, bool write)
{
	struct fuse_file *ff = iocb->ki_filp->private_data;
	struct inode *inode = file_inode(iocb->ki_filp);
	const struct fuse_dpt_map *map = ff->dpt_map;
	u64 pos = iocb->ki_pos, limit;
	struct fuse_dpt_ext piece;
	ssize_t done = 0;

	if (iocb->ki_pos < 0)
		return -EINVAL;
	/* famfs files never grow: stop at the size and at the map's end */
	limit = min_t(u64, i_size_read(inode), map->size);
	if (pos >= limit)
		return write && iov_iter_count(iter) && !map->x47 ? -ENOSPC :
								   0;
	iov_iter_truncate(iter, limit - pos);

	while (iov_iter_count(iter)) {
		const struct fuse_dpt_ext *e = &piece;
		const struct fuse_dpt_dev *dd;
		u64 doff, run, n;
		phys_addr_t phys;
		size_t copied;
		void *kaddr;
		int id;

		/* a hole in the map: the dev tree's "missing mapping" */
		if (!dpt_resolve(map, pos, &piece))
			return done ? done : -EIO;
		dd = e->fb->dpt;
		doff = e->doff + (pos - e->foff);
		n = min_t(u64, iov_iter_count(iter), e->len - (pos - e->foff));
		id = dax_read_lock();
		if (!dax_alive(dd->dax_dev)) {
			dax_read_unlock(id);
			return done ? done : -ENXIO;
		}
		phys = dpt_phys(dd, doff, &run);
		if (phys == (phys_addr_t)-1) {
			dax_read_unlock(id);
			return done ? done : -EIO;
		}
		n = min(n, run);
		kaddr = __va(phys);
		if (write)
			copied = _copy_from_iter_flushcache(kaddr, n, iter);
		else
			copied = _copy_mc_to_iter(kaddr, n, iter);
		dax_read_unlock(id);
		pos += copied;
		done += copied;
		if (copied < n) {
			if (!done)
				return -EFAULT;
			break;
		}
	}
	iocb->ki_pos = pos;
	return done;
}

ssize_t fuse_dpt_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	if (!iov_iter_count(to))
		return 0;
	return dpt_rw(iocb, to, false);
}

ssize_t fuse_dpt_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from); /* O_APPEND, limits */
	if (ret > 0)
		ret = dpt_rw(iocb, from, true);
	inode_unlock(inode);
	return ret;
}

/* ---- mmap --------------------------------------------------------------- */

static vm_fault_t dpt_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fuse_file *ff = vma->vm_file->private_data;
	const struct fuse_dpt_map *map = ff->dpt_map;
	unsigned long size = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, size);
	struct fuse_dpt_ext piece;
	const struct fuse_dpt_ext *e = &piece;
	const struct fuse_dpt_dev *dd;
	u64 pos, doff, run;
	phys_addr_t phys;
	vm_fault_t ret;
	pfn_t pfn;
	int id;

	if (order != 0 && order != PMD_ORDER)
		return VM_FAULT_FALLBACK;
	if (order && (addr < vma->vm_start || addr + size > vma->vm_end))
		return VM_FAULT_FALLBACK;
	pos = (u64)linear_page_index(vma, addr) << PAGE_SHIFT;
	if (!dpt_resolve(map, pos, &piece))
		return order ? VM_FAULT_FALLBACK : VM_FAULT_SIGBUS;
	dd = e->fb->dpt;
	if (order && e->len - (pos - e->foff) < size)
		return VM_FAULT_FALLBACK;
	if ((vmf->flags & FAULT_FLAG_WRITE) && !dd->writable)
		return VM_FAULT_SIGBUS;
	doff = e->doff + (pos - e->foff);

	id = dax_read_lock();
	ret = VM_FAULT_SIGBUS;
	if (!dax_alive(dd->dax_dev))
		goto out;
	phys = dpt_phys(dd, doff, &run);
	if (phys == (phys_addr_t)-1)
		goto out;
	if (order && (run < size || !IS_ALIGNED(phys, size))) {
		ret = VM_FAULT_FALLBACK;
		goto out;
	}
	pfn = phys_to_pfn_t(phys, PFN_DEV | PFN_MAP);
	if (order)
		ret = vmf_insert_pfn_pmd(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
	else
		ret = vmf_insert_mixed(vma, vmf->address, pfn);
out:
	dax_read_unlock(id);
	return ret;
}

static vm_fault_t dpt_pte_fault(struct vm_fault *vmf)
{
	return dpt_fault(vmf, 0);
}

static const struct vm_operations_struct dpt_vm_ops = {
	.fault = dpt_pte_fault,
	.huge_fault = dpt_fault,
};

int fuse_dpt_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* like devdax: no private (copy-on-write) mappings of device memory */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	file_accessed(file);
	vma->vm_ops = &dpt_vm_ops;
	vm_flags_set(vma, VM_MIXEDMAP | VM_HUGEPAGE);
	return 0;
}
