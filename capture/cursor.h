/* cursor.h - the only way decoders read packet bytes.
 *
 * A cursor is a pointer plus the number of bytes left. Every read goes
 * through take_* / peek_* which fail (return false) instead of reading past
 * the end, in the manner of tcpdump's GET_* accessors: a decoder cannot run
 * off a short or malformed packet because it never touches raw pointers.
 */
#ifndef FLOWAUDIT_CURSOR_H
#define FLOWAUDIT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p;
	size_t len;
};

static inline struct cursor cursor_make(const uint8_t *p, size_t len)
{
	struct cursor c = { p, len };
	return c;
}

static inline bool cursor_has(const struct cursor *c, size_t n)
{
	return c->len >= n;
}

static inline bool skip(struct cursor *c, size_t n)
{
	if (c->len < n)
		return false;
	c->p += n;
	c->len -= n;
	return true;
}

static inline bool take_u8(struct cursor *c, uint8_t *v)
{
	if (c->len < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->len--;
	return true;
}

static inline bool peek_u8(const struct cursor *c, size_t off, uint8_t *v)
{
	if (c->len <= off)
		return false;
	*v = c->p[off];
	return true;
}

/* Network byte order. */
static inline bool peek_u16(const struct cursor *c, size_t off, uint16_t *v)
{
	if (c->len < off + 2)
		return false;
	*v = (uint16_t)((c->p[off] << 8) | c->p[off + 1]);
	return true;
}

static inline bool take_u16(struct cursor *c, uint16_t *v)
{
	if (!peek_u16(c, 0, v))
		return false;
	return skip(c, 2);
}

static inline bool peek_u32(const struct cursor *c, size_t off, uint32_t *v)
{
	if (c->len < off + 4)
		return false;
	*v = ((uint32_t)c->p[off] << 24) | ((uint32_t)c->p[off + 1] << 16) |
	     ((uint32_t)c->p[off + 2] << 8) | (uint32_t)c->p[off + 3];
	return true;
}

static inline bool take_u32(struct cursor *c, uint32_t *v)
{
	if (!peek_u32(c, 0, v))
		return false;
	return skip(c, 4);
}

/* Little-endian 32-bit read, for the BSD null link header written in host order. */
static inline bool peek_u32_le(const struct cursor *c, size_t off, uint32_t *v)
{
	if (c->len < off + 4)
		return false;
	*v = ((uint32_t)c->p[off + 3] << 24) | ((uint32_t)c->p[off + 2] << 16) |
	     ((uint32_t)c->p[off + 1] << 8) | (uint32_t)c->p[off];
	return true;
}

/* Copies n bytes at off into out. */
static inline bool peek_copy(const struct cursor *c, size_t off, size_t n,
			     void *out)
{
	if (c->len < off + n)
		return false;
	for (size_t i = 0; i < n; i++)
		((uint8_t *)out)[i] = c->p[off + i];
	return true;
}

/* A sub-cursor over the next n bytes (or fewer when the capture is cut). */
static inline struct cursor cursor_prefix(const struct cursor *c, size_t n)
{
	struct cursor s = { c->p, n < c->len ? n : c->len };
	return s;
}

#endif
