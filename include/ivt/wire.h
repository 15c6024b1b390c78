/*
 * wire.h - varlink framing shared by ivtd and ivtctl.
 *
 * A varlink message is one JSON object followed by a NUL byte.  The framer
 * collects bytes from a stream and hands out complete messages; it never
 * holds more than `max` bytes of one message, so a peer cannot make us
 * buffer without bound.
 */
#ifndef IVT_WIRE_H
#define IVT_WIRE_H

#include <stddef.h>
#include <jansson.h>

#define IVT_VERSION         "0.1.0"
#define IVT_MSG_MAX_DEFAULT (1024 * 1024)

struct ivt_framer {
	char *buf;
	size_t len;  /* bytes held */
	size_t off;  /* start of the first unconsumed byte */
	size_t cap;
	size_t max;  /* largest message accepted, without the NUL */
};

enum ivt_frame_rc {
	IVT_FRAME_MORE = 0,   /* no complete message yet */
	IVT_FRAME_MSG = 1,    /* msg and len hold one message */
	IVT_FRAME_TOOBIG = -1 /* a message exceeds f->max: drop the peer */
};

void ivt_framer_init(struct ivt_framer *f, size_t max);
void ivt_framer_free(struct ivt_framer *f);
/* Append a bounded chunk read from the stream; drain complete messages
 * with ivt_framer_next() before pushing again.  -1 on allocation failure. */
int ivt_framer_push(struct ivt_framer *f, const void *data, size_t n);
/* Room for at least n more bytes at the end, for a read(2) straight into
 * the buffer: a pointer to it and in *avail how much there is (>= n);
 * NULL on allocation failure.  ivt_framer_commit() then adds what was
 * written there, at most *avail bytes. */
char *ivt_framer_space(struct ivt_framer *f, size_t n, size_t *avail);
void ivt_framer_commit(struct ivt_framer *f, size_t n);
/* Next complete message; valid until the next push.  The returned string
 * is NUL-terminated (the frame terminator) and *len excludes the NUL. */
enum ivt_frame_rc ivt_framer_next(struct ivt_framer *f, const char **msg,
                                  size_t *len);
/* Bytes held that belong to an incomplete message. */
size_t ivt_framer_pending(const struct ivt_framer *f);
/* Wipe the messages already handed out (and move what is pending to the
 * front): for a reader that waits for more input, so that its last
 * request does not linger in memory meanwhile.  Messages from
 * ivt_framer_next are invalid afterwards. */
void ivt_framer_compact(struct ivt_framer *f);

/*
 * Parse one message: strict JSON (duplicate keys rejected), must be an
 * object.  Returns NULL and fills err (a fixed, data-free description) on
 * failure.
 */
json_t *ivt_msg_parse(const char *msg, size_t len, char *err, size_t errlen);

/* Encode obj as compact JSON plus the NUL terminator.  The caller frees
 * it with ivt_msg_free. */
char *ivt_msg_encode(const json_t *obj, size_t *len);
/* A varlink reply from its parts, as ivt_msg_encode() would write the
 * object {"error":error,"parameters":params,"traceparent":traceparent,
 * "continues":true} (error NULL: no "error"; params NULL: {}; continues 0:
 * no "continues").  raw, when not NULL, is the parameters already encoded
 * as a compact JSON object, rawlen bytes.  Freed with ivt_msg_free. */
char *ivt_reply_encode(const char *error, const json_t *params,
                       const char *raw, size_t rawlen,
                       const char *traceparent, int continues, size_t *len);
/* Wipe (it may hold personal data) and free an encoded message. */
void ivt_msg_free(char *buf, size_t len);

/* Small JSON accessors used on both sides. */
const char *ivt_json_str(const json_t *obj, const char *key);
long long ivt_json_int(const json_t *obj, const char *key, long long dflt);

#endif
