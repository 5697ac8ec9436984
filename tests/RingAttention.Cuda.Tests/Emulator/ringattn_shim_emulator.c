/* ringattn_shim_emulator.c - a CPU emulation of libringattn_shim.so, for running RingAttention.Cuda and its tests on a
 * machine without a GPU. NOT the shim and not a performance tool: it checks the managed GPU path's index arithmetic,
 * buffer use and stream/event ordering.
 *
 *  - "Device" memory is host memory (filled with garbage on allocation, as cudaMalloc leaves it).
 *  - Every stream is a worker thread running its operations in order; events carry record generations, so
 *    cudaStreamWaitEvent semantics (wait for the last record made before the call) hold across streams and threads.
 *    FAKE_SHIM_JITTER_US=n sleeps up to n us before each operation to shake out missing dependencies.
 *  - SDPA forward/backward, LSE merge, accumulate and cast are plain fp32 loops over the strided views, with
 *    the shim's argument checks that matter (16-byte alignment, dims, dtypes, caller workspace, packed LSE).
 *  - Single-step attention here rounds only its output to bf16/fp16 (cuDNN also rounds P internally), so the ring's
 *    extra per-step rounding shows as ~1.4-1.5x the single call's error: run the accuracy tests with
 *    RINGATTN_EMULATOR=1 (the tests' emulator bar, AccuracyBar.cs).
 *  - NCCL ranks are threads of this process (one group per unique id; FAKE_SHIM_DEVICES=n makes n devices visible).
 *  - Masks: none, causal (top-left, bottom-right, with window_left) and the general band (RINGATTN_MASK_BAND),
 *    as explicit [first, last] key ranges per query row.
 *
 * Build: tests/RingAttention.Cuda.Tests/Emulator/build-emulator.sh (gcc 12+, for _Float16). */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RINGATTN_SHIM_BUILDING
#include "ringattn_shim.h"

static __thread char g_error[1024];
static __thread int g_dry;
static int fail(int status, const char* fmt, const char* a) {
    snprintf(g_error, sizeof g_error, fmt, a ? a : "");
    return status;
}
#define REQUIRE(cond, msg)                                                     \
    do {                                                                       \
        if (!(cond)) return fail(RINGATTN_STATUS_INVALID_ARGUMENT, "%s", msg); \
    } while (0)

const char* ringattn_last_error(void) { return g_error; }
const char* ringattn_status_name(int32_t s) {
    (void)s;
    return "RINGATTN_STATUS_?";
}
uint32_t ringattn_abi_version(void) { return RINGATTN_ABI_VERSION; }
int32_t ringattn_get_versions(ringattn_versions* o) {
    memset(o, 0, sizeof *o);
    o->abi = RINGATTN_ABI_VERSION;
    o->cuda_driver = 13000;
    return 0;
}
static int device_count(void) {
    const char* d = getenv("FAKE_SHIM_DEVICES");
    int n = d ? atoi(d) : 1;
    return n > 0 ? n : 1;
}
int32_t ringattn_cuda_device_count(int32_t* c) {
    *c = device_count();
    return 0;
}
int32_t ringattn_cuda_device_props(int32_t d, ringattn_device_props* o) {
    (void)d;
    memset(o, 0, sizeof *o);
    strcpy(o->name, "CPU emulation");
    return 0;
}
static __thread int g_device;
int32_t ringattn_cuda_set_device(int32_t d) {
    REQUIRE(d >= 0 && d < device_count(), "device out of range");
    g_device = d;
    return 0;
}
int32_t ringattn_cuda_get_device(int32_t* d) {
    *d = g_device;
    return 0;
}
int32_t ringattn_cuda_mem_get_info(size_t* f, size_t* t) {
    *f = 1ull << 33;
    *t = 1ull << 34;
    return 0;
}
int32_t ringattn_cuda_malloc(size_t bytes, void** p) {
    if (bytes == 0) {
        *p = NULL;
        return 0;
    }
    void* q = NULL;
    if (posix_memalign(&q, 256, bytes) != 0) return fail(RINGATTN_STATUS_OUT_OF_MEMORY, "%s", "oom");
    memset(q, 0xAB, bytes); /* garbage, as cudaMalloc */
    *p = q;
    return 0;
}
int32_t ringattn_cuda_device_synchronize(void);
int32_t ringattn_cuda_free(void* p) {
    ringattn_cuda_device_synchronize();
    free(p);
    return 0;
}
int32_t ringattn_cuda_host_malloc(size_t b, void** p) { return ringattn_cuda_malloc(b, p); }
int32_t ringattn_cuda_host_free(void* p) {
    free(p);
    return 0;
}
typedef struct {
    void* d;
    const void* s;
    size_t b;
    int v;
} mem_args;
static void do_memcpy(void* p) {
    mem_args* a = p;
    memcpy(a->d, a->s, a->b);
}
static void do_memset(void* p) {
    mem_args* a = p;
    memset(a->d, a->v, a->b);
}
static void enqueue(ringattn_stream st, void (*fn)(void*), void* args);
int32_t ringattn_cuda_memcpy_async(void* d, const void* s, size_t b, int32_t k, ringattn_stream st) {
    (void)k;
    REQUIRE(b == 0 || (d && s), "null pointer in memcpy");
    if ((const char*)s < (const char*)d + b && (const char*)d < (const char*)s + b && d != s)
        return fail(1, "%s", "memcpy overlap");
    mem_args* a = malloc(sizeof *a);
    a->d = d;
    a->s = s;
    a->b = b;
    a->v = 0;
    enqueue(st, do_memcpy, a);
    return 0;
}
int32_t ringattn_cuda_memset_async(void* d, int32_t v, size_t b, ringattn_stream st) {
    REQUIRE(b == 0 || d, "null");
    mem_args* a = malloc(sizeof *a);
    a->d = d;
    a->s = NULL;
    a->b = b;
    a->v = v;
    enqueue(st, do_memset, a);
    return 0;
}

/* ---- asynchronous streams: one worker thread per stream runs its ops in order; events carry generations ---- */
typedef struct op {
    void (*fn)(void*);
    void* args;
    struct op* next;
} op;
typedef struct fstream {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    op *head, *tail;
    int stop;
    int busy;
    struct fstream* next_live;
} fstream;
static pthread_mutex_t g_live_mu = PTHREAD_MUTEX_INITIALIZER;
static fstream* g_live;
static int g_jitter_us = -1;
static void jitter(void) {
    if (g_jitter_us < 0) {
        const char* j = getenv("FAKE_SHIM_JITTER_US");
        g_jitter_us = j ? atoi(j) : 0;
    }
    if (g_jitter_us > 0) {
        struct timespec ts = {0, (long)(rand() % g_jitter_us) * 1000L};
        nanosleep(&ts, NULL);
    }
}
static void* stream_main(void* p) {
    fstream* s = p;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->head && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
        if (!s->head && s->stop) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        op* o = s->head;
        s->head = o->next;
        if (!s->head) s->tail = NULL;
        s->busy = 1;
        pthread_mutex_unlock(&s->mu);
        jitter();
        o->fn(o->args);
        free(o->args);
        free(o);
        pthread_mutex_lock(&s->mu);
        s->busy = 0;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}
/* Runs fn(args) on the stream in order (NULL stream: now, on the caller's thread). Takes ownership of args. */
static void enqueue(ringattn_stream st, void (*fn)(void*), void* args) {
    fstream* s = st;
    if (!s) {
        fn(args);
        free(args);
        return;
    }
    op* o = calloc(1, sizeof *o);
    o->fn = fn;
    o->args = args;
    pthread_mutex_lock(&s->mu);
    if (s->tail)
        s->tail->next = o;
    else
        s->head = o;
    s->tail = o;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}
static void drain(fstream* s) {
    pthread_mutex_lock(&s->mu);
    while (s->head || s->busy) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}
static void drain_all(void) {
    pthread_mutex_lock(&g_live_mu);
    for (fstream* s = g_live; s; s = s->next_live) drain(s);
    pthread_mutex_unlock(&g_live_mu);
}
int32_t ringattn_cuda_stream_create(ringattn_stream* out) {
    fstream* s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_create(&s->thread, NULL, stream_main, s);
    pthread_mutex_lock(&g_live_mu);
    s->next_live = g_live;
    g_live = s;
    pthread_mutex_unlock(&g_live_mu);
    *out = s;
    return 0;
}
int32_t ringattn_cuda_stream_destroy(ringattn_stream st) {
    fstream* s = st;
    if (!s) return 0;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_lock(&g_live_mu);
    for (fstream** p = &g_live; *p; p = &(*p)->next_live)
        if (*p == s) {
            *p = s->next_live;
            break;
        }
    pthread_mutex_unlock(&g_live_mu);
    free(s);
    return 0;
}
int32_t ringattn_cuda_stream_synchronize(ringattn_stream st) {
    if (st) drain(st);
    return 0;
}
int32_t ringattn_cuda_device_synchronize(void) {
    drain_all();
    return 0;
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t recorded, completed;
    double t;
    int timing;
} fevent;
int32_t ringattn_cuda_event_create(int32_t timing, ringattn_event* o) {
    fevent* e = calloc(1, sizeof *e);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    e->timing = timing;
    *o = e;
    return 0;
}
int32_t ringattn_cuda_event_destroy(ringattn_event e) {
    free(e);
    return 0;
}
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
typedef struct {
    fevent* e;
    uint64_t gen;
} ev_args;
static void do_record(void* p) {
    ev_args* a = p;
    pthread_mutex_lock(&a->e->mu);
    if (a->gen > a->e->completed) {
        a->e->completed = a->gen;
        a->e->t = now_ms();
    }
    pthread_cond_broadcast(&a->e->cv);
    pthread_mutex_unlock(&a->e->mu);
}
static void do_wait(void* p) {
    ev_args* a = p;
    pthread_mutex_lock(&a->e->mu);
    while (a->e->completed < a->gen) pthread_cond_wait(&a->e->cv, &a->e->mu);
    pthread_mutex_unlock(&a->e->mu);
}
int32_t ringattn_cuda_event_record(ringattn_event ev, ringattn_stream s) {
    fevent* e = ev;
    REQUIRE(e, "null event");
    ev_args* a = malloc(sizeof *a);
    a->e = e;
    pthread_mutex_lock(&e->mu);
    a->gen = ++e->recorded;
    pthread_mutex_unlock(&e->mu);
    enqueue(s, do_record, a);
    return 0;
}
int32_t ringattn_cuda_stream_wait_event(ringattn_stream s, ringattn_event ev) {
    fevent* e = ev;
    REQUIRE(e, "null event");
    ev_args* a = malloc(sizeof *a);
    a->e = e;
    pthread_mutex_lock(&e->mu);
    a->gen = e->recorded;
    pthread_mutex_unlock(&e->mu);
    if (a->gen == 0) {
        free(a);
        return 0;
    } /* never recorded: no dependency, as in CUDA */
    enqueue(s, do_wait, a);
    return 0;
}
int32_t ringattn_cuda_event_synchronize(ringattn_event ev) {
    fevent* e = ev;
    ev_args a = {e, 0};
    pthread_mutex_lock(&e->mu);
    a.gen = e->recorded;
    pthread_mutex_unlock(&e->mu);
    do_wait(&a);
    return 0;
}
int32_t ringattn_cuda_event_query(ringattn_event ev) {
    fevent* e = ev;
    pthread_mutex_lock(&e->mu);
    int done = e->completed >= e->recorded;
    pthread_mutex_unlock(&e->mu);
    return done ? 0 : RINGATTN_STATUS_NOT_READY;
}
int32_t ringattn_cuda_event_elapsed_ms(ringattn_event a, ringattn_event b, float* ms) {
    fevent *x = a, *y = b;
    REQUIRE(x->timing && y->timing, "elapsed time needs timing events");
    REQUIRE(x->completed > 0 && y->completed > 0 && x->completed == x->recorded && y->completed == y->recorded,
            "event not completed");
    *ms = (float)(y->t - x->t);
    return 0;
}
/* ---------------------------------------------------------------- context and graph cache */
typedef struct {
    int64_t v[64];
} key_t_;
struct ringattn_context {
    pthread_mutex_t mu;
    key_t_* keys;
    int64_t n, cap, builds, hits;
};
int32_t ringattn_context_create(int32_t device, ringattn_context** out) {
    REQUIRE(device >= 0 && device < device_count(), "device out of range");
    ringattn_context* c = calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}
int32_t ringattn_context_destroy(ringattn_context* c) {
    if (c) {
        free(c->keys);
        free(c);
    }
    return 0;
}
int32_t ringattn_context_set_cache_capacity(ringattn_context* c, int64_t cap) {
    (void)c;
    REQUIRE(cap >= 1, "capacity");
    return 0;
}
int32_t ringattn_context_device(const ringattn_context* c, int32_t* d) {
    (void)c;
    *d = 0;
    return 0;
}
int32_t ringattn_sdpa_cache_stats(const ringattn_context* c, int64_t* b, int64_t* h, int64_t* e) {
    if (b) *b = c->builds;
    if (h) *h = c->hits;
    if (e) *e = c->n;
    return 0;
}
static void lookup(ringattn_context* c, const key_t_* k) {
    pthread_mutex_lock(&c->mu);
    for (int64_t i = 0; i < c->n; i++)
        if (!memcmp(&c->keys[i], k, sizeof *k)) {
            c->hits++;
            pthread_mutex_unlock(&c->mu);
            return;
        }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->keys = realloc(c->keys, c->cap * sizeof *k);
    }
    c->keys[c->n++] = *k;
    c->builds++;
    pthread_mutex_unlock(&c->mu);
}
static key_t_ make_key(int dir, const ringattn_sdpa_desc* d, int with_lse, const ringattn_sdpa_bwd_desc* bd) {
    key_t_ k;
    memset(&k, 0, sizeof k);
    int i = 0;
    k.v[i++] = dir;
    k.v[i++] = d->batch;
    k.v[i++] = d->q_heads;
    k.v[i++] = d->kv_heads;
    k.v[i++] = d->s_q;
    k.v[i++] = d->s_kv;
    k.v[i++] = d->head_dim;
    k.v[i++] = d->dtype;
    k.v[i++] = d->mask;
    k.v[i++] = d->window_left;
    k.v[i++] = d->window_right;
    k.v[i++] = with_lse;
    float sc = d->scale;
    memcpy(&k.v[i++], &sc, 4);
    for (int j = 0; j < 4; j++) {
        k.v[i++] = d->q_stride[j];
        k.v[i++] = d->k_stride[j];
        k.v[i++] = d->v_stride[j];
        k.v[i++] = d->o_stride[j];
    }
    if (bd)
        for (int j = 0; j < 4; j++) {
            k.v[i++] = bd->do_stride[j];
            k.v[i++] = bd->dq_stride[j];
            k.v[i++] = bd->dk_stride[j];
            k.v[i++] = bd->dv_stride[j];
        }
    return k;
}
static int check_desc(const ringattn_sdpa_desc* d) {
    REQUIRE(d, "desc null");
    REQUIRE(d->batch > 0 && d->q_heads > 0 && d->kv_heads > 0 && d->s_q > 0 && d->s_kv > 0 && d->head_dim > 0,
            "dims must be > 0");
    REQUIRE(d->q_heads % d->kv_heads == 0, "gqa");
    REQUIRE(d->dtype == 0 || d->dtype == 1, "dtype");
    REQUIRE(d->head_dim % 8 == 0 && d->head_dim <= 256, "head_dim");
    REQUIRE(d->mask >= RINGATTN_MASK_NONE && d->mask <= RINGATTN_MASK_BAND, "mask is not a RINGATTN_MASK_* value");
    if (d->mask == RINGATTN_MASK_BAND) {
        REQUIRE(d->window_left < (1LL << 30) && d->window_right < (1LL << 30), "window_left/window_right too large");
        /* The shim drops bounds that mask nothing, then refuses a left bound with s_q > s_kv (as cuDNN does). */
        if (d->window_left >= 0 && d->window_left < d->s_q - 1 && d->s_q > d->s_kv)
            return fail(RINGATTN_STATUS_UNSUPPORTED, "%s", "a band with a left bound needs s_q <= s_kv");
    } else {
        REQUIRE(d->window_right == 0, "window_right must be 0 unless mask is RINGATTN_MASK_BAND");
        if (d->window_left > 0 && (d->mask == RINGATTN_MASK_NONE || d->s_q > d->s_kv))
            return fail(RINGATTN_STATUS_UNSUPPORTED, "%s", "window_left needs a causal mask and s_q <= s_kv");
    }
    if (d->mask == RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT && d->s_q > d->s_kv)
        return fail(RINGATTN_STATUS_UNSUPPORTED, "%s", "a bottom-right causal mask needs s_q <= s_kv");
    /* cudnn-frontend 1.23 with cuDNN 9.14 refuses a one-by-one block (seen on the H200). */
    if (d->s_q == 1 && d->s_kv == 1)
        return fail(RINGATTN_STATUS_UNSUPPORTED, "%s",
                    "cudnn-frontend validate failed: s_q = s_kv = 1 is not supported.");
    REQUIRE(d->q_stride[3] == 1 && d->k_stride[3] == 1 && d->v_stride[3] == 1 && d->o_stride[3] == 1, "d stride");
    return 0;
}
static int aligned(const void* p) { return p && ((uintptr_t)p % 16) == 0; }
static int lse_packed(const ringattn_sdpa_bwd_desc* d) {
    const int64_t* s = d->lse_stride;
    if (!s[0] && !s[1] && !s[2]) return 1;
    int64_t h = d->fwd.q_heads, sq = d->fwd.s_q;
    return (d->fwd.batch == 1 || s[0] == h * sq) && (h == 1 || s[1] == sq) && (sq == 1 || s[2] == 1);
}
#define FWD_WS 512
#define BWD_WS 1024
int32_t ringattn_sdpa_forward_workspace_size(ringattn_context* c, const ringattn_sdpa_desc* d, int32_t wl, size_t* b) {
    int r = check_desc(d);
    if (r) return r;
    key_t_ k = make_key(0, d, wl != 0, NULL);
    lookup(c, &k);
    *b = FWD_WS;
    return 0;
}
int32_t ringattn_sdpa_backward_workspace_size(ringattn_context* c, const ringattn_sdpa_bwd_desc* d, size_t* b) {
    int r = check_desc(&d->fwd);
    if (r) return r;
    key_t_ k = make_key(1, &d->fwd, 0, d);
    lookup(c, &k);
    *b = BWD_WS + (lse_packed(d) ? 0 : (size_t)(d->fwd.batch * d->fwd.q_heads * d->fwd.s_q * 4));
    return 0;
}

/* ---------------------------------------------------------------- element access */
static float bf16_to_f(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static uint16_t f_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if (isnan(f)) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7FFF + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}
static float load(int dt, const void* p, int64_t i) {
    if (dt == 0) return bf16_to_f(((const uint16_t*)p)[i]);
    if (dt == 1) return (float)((const _Float16*)p)[i];
    return ((const float*)p)[i];
}
static void store(int dt, void* p, int64_t i, float v) {
    if (dt == 0)
        ((uint16_t*)p)[i] = f_to_bf16(v);
    else if (dt == 1)
        ((_Float16*)p)[i] = (_Float16)v;
    else
        ((float*)p)[i] = v;
}
static int64_t off(const int64_t* st, int64_t b, int64_t h, int64_t s, int64_t d) {
    return b * st[0] + h * st[1] + s * st[2] + d * st[3];
}
/* The keys query row i sees: [*first, *end), possibly empty (every mask is one contiguous range). */
static void visible(const ringattn_sdpa_desc* d, int64_t i, int64_t* first, int64_t* end) {
    int64_t lo = 0, hi = d->s_kv - 1; /* inclusive */
    if (d->mask == RINGATTN_MASK_BAND) {
        if (d->window_left >= 0) lo = i - d->window_left;
        if (d->window_right >= 0) hi = i + d->window_right;
    } else if (d->mask != RINGATTN_MASK_NONE) {
        int64_t diag = d->mask == RINGATTN_MASK_CAUSAL_TOP_LEFT ? i : i + d->s_kv - d->s_q;
        hi = diag;
        if (d->window_left > 0) lo = diag - d->window_left;
    }
    if (lo < 0) lo = 0;
    if (hi > d->s_kv - 1) hi = d->s_kv - 1;
    *first = lo;
    *end = hi >= lo ? hi + 1 : lo;
}
static float scale_of(const ringattn_sdpa_desc* d) {
    return d->scale == 0.0f ? 1.0f / sqrtf((float)d->head_dim) : d->scale;
}

static int32_t sync_ringattn_sdpa_forward(ringattn_context* c, const ringattn_sdpa_desc* d, const void* q,
                                          const void* k, const void* v, void* o, float* lse, void* ws, size_t wsb,
                                          ringattn_stream st) {
    (void)st;
    int r = check_desc(d);
    if (r) return r;
    REQUIRE(aligned(q) && aligned(k) && aligned(v) && aligned(o), "q, k, v, o must be 16-byte aligned");
    if (lse) REQUIRE(aligned(lse), "lse must be 16-byte aligned");
    if (ws)
        REQUIRE(wsb >= FWD_WS && aligned(ws), "workspace too small");
    else
        return fail(RINGATTN_STATUS_INVALID_ARGUMENT, "%s", "fake shim: the ring must pass its own workspace");
    key_t_ key = make_key(0, d, lse != NULL, NULL);
    if (g_dry) {
        lookup(c, &key);
        return 0;
    }
    memset(ws, 0x5A, FWD_WS);
    const int dt = d->dtype;
    const int64_t D = d->head_dim, g = d->q_heads / d->kv_heads;
    const float sc = scale_of(d);
    float* sco = malloc(sizeof(float) * d->s_kv);
    float* acc = malloc(sizeof(float) * D);
    for (int64_t b = 0; b < d->batch; b++)
        for (int64_t h = 0; h < d->q_heads; h++)
            for (int64_t i = 0; i < d->s_q; i++) {
                int64_t kh = h / g, j0, j1;
                visible(d, i, &j0, &j1);
                const int64_t n = j1 - j0;
                float mx = -INFINITY, sum = 0;
                for (int64_t j = j0; j < j1; j++) {
                    float dot = 0;
                    for (int64_t x = 0; x < D; x++)
                        dot += load(dt, q, off(d->q_stride, b, h, i, x)) * load(dt, k, off(d->k_stride, b, kh, j, x));
                    sco[j] = sc * dot;
                    if (sco[j] > mx) mx = sco[j];
                }
                for (int64_t x = 0; x < D; x++) acc[x] = 0;
                for (int64_t j = j0; j < j1; j++) {
                    float p = expf(sco[j] - mx);
                    sum += p;
                    for (int64_t x = 0; x < D; x++) acc[x] += p * load(dt, v, off(d->v_stride, b, kh, j, x));
                }
                /* cuDNN multiplies whole tiles, masked keys too (probability 0): a NaN or Inf in a masked V row
                   spreads into O (0 * NaN), as in cudnn-frontend issue 624. */
                for (int64_t j = 0; j < d->s_kv; j++)
                    if (j < j0 || j >= j1)
                        for (int64_t x = 0; x < D; x++) acc[x] += 0.0f * load(dt, v, off(d->v_stride, b, kh, j, x));
                for (int64_t x = 0; x < D; x++) store(dt, o, off(d->o_stride, b, h, i, x), n ? acc[x] / sum : 0.0f);
                if (lse) lse[(b * d->q_heads + h) * d->s_q + i] = n ? mx + logf(sum) : -INFINITY;
            }
    free(sco);
    free(acc);
    return 0;
}

static int32_t sync_ringattn_sdpa_backward(ringattn_context* c, const ringattn_sdpa_bwd_desc* bd, const void* q,
                                           const void* k, const void* v, const void* o, const void* dO,
                                           const float* lse, void* dq, void* dk, void* dv, void* ws, size_t wsb,
                                           ringattn_stream st) {
    (void)st;
    const ringattn_sdpa_desc* d = &bd->fwd;
    int r = check_desc(d);
    if (r) return r;
    REQUIRE(aligned(q) && aligned(k) && aligned(v) && aligned(o) && aligned(dO) && aligned(dq) && aligned(dk) &&
                aligned(dv),
            "pointers must be 16-byte aligned");
    int packed = lse_packed(bd);
    if (packed)
        REQUIRE(aligned(lse), "packed lse must be 16-byte aligned");
    else
        REQUIRE(lse != NULL, "lse null");
    size_t need = BWD_WS + (packed ? 0 : (size_t)(d->batch * d->q_heads * d->s_q * 4));
    REQUIRE(ws != NULL && wsb >= need, "workspace too small");
    key_t_ key = make_key(1, d, 0, bd);
    if (g_dry) {
        lookup(c, &key);
        return 0;
    }
    memset(ws, 0x5A, BWD_WS);
    const int dt = d->dtype;
    const int64_t D = d->head_dim, g = d->q_heads / d->kv_heads;
    const float sc = scale_of(d);
    int64_t ls0 = packed ? d->q_heads * d->s_q : bd->lse_stride[0], ls1 = packed ? d->s_q : bd->lse_stride[1],
            ls2 = packed ? 1 : bd->lse_stride[2];
    if (packed && (bd->lse_stride[0] || bd->lse_stride[1] || bd->lse_stride[2])) {
        ls0 = bd->lse_stride[0];
        ls1 = bd->lse_stride[1];
        ls2 = bd->lse_stride[2];
    }
    int64_t nkv = d->batch * d->kv_heads * d->s_kv * D;
    float* gk = calloc(nkv, sizeof(float));
    float* gv = calloc(nkv, sizeof(float));
    float* gq = malloc(sizeof(float) * D);
#define KVI(b, h, j, x) ((((b)*d->kv_heads + (h)) * d->s_kv + (j)) * D + (x))
    for (int64_t b = 0; b < d->batch; b++)
        for (int64_t h = 0; h < d->q_heads; h++)
            for (int64_t i = 0; i < d->s_q; i++) {
                int64_t kh = h / g, j0, j1;
                visible(d, i, &j0, &j1);
                float L = lse[b * ls0 + h * ls1 + i * ls2];
                if (isinf(L)) j1 = j0;
                float delta = 0;
                for (int64_t x = 0; x < D; x++)
                    delta += load(dt, dO, off(bd->do_stride, b, h, i, x)) * load(dt, o, off(d->o_stride, b, h, i, x));
                for (int64_t x = 0; x < D; x++) gq[x] = 0;
                for (int64_t j = j0; j < j1; j++) {
                    float dot = 0, dp = 0;
                    for (int64_t x = 0; x < D; x++) {
                        dot += load(dt, q, off(d->q_stride, b, h, i, x)) * load(dt, k, off(d->k_stride, b, kh, j, x));
                        dp += load(dt, dO, off(bd->do_stride, b, h, i, x)) * load(dt, v, off(d->v_stride, b, kh, j, x));
                    }
                    float p = expf(sc * dot - L), ds = sc * p * (dp - delta);
                    for (int64_t x = 0; x < D; x++) {
                        gq[x] += ds * load(dt, k, off(d->k_stride, b, kh, j, x));
                        gk[KVI(b, kh, j, x)] += ds * load(dt, q, off(d->q_stride, b, h, i, x));
                        gv[KVI(b, kh, j, x)] += p * load(dt, dO, off(bd->do_stride, b, h, i, x));
                    }
                }
                /* Masked keys of the tile: probability 0 times their scores and dP, so a NaN or Inf in their K or V
                   rows spreads into dQ, dK and dV as it would on cuDNN. */
                for (int64_t j = 0; j < d->s_kv; j++) {
                    if (j >= j0 && j < j1) continue;
                    float poison = 0;
                    for (int64_t x = 0; x < D; x++)
                        poison += 0.0f * (load(dt, k, off(d->k_stride, b, kh, j, x)) +
                                          load(dt, v, off(d->v_stride, b, kh, j, x)));
                    for (int64_t x = 0; x < D; x++) {
                        gq[x] += poison;
                        gk[KVI(b, kh, j, x)] += poison;
                        gv[KVI(b, kh, j, x)] += poison;
                    }
                }
                for (int64_t x = 0; x < D; x++) store(dt, dq, off(bd->dq_stride, b, h, i, x), gq[x]);
            }
    for (int64_t b = 0; b < d->batch; b++)
        for (int64_t h = 0; h < d->kv_heads; h++)
            for (int64_t j = 0; j < d->s_kv; j++)
                for (int64_t x = 0; x < D; x++) {
                    store(dt, dk, off(bd->dk_stride, b, h, j, x), gk[KVI(b, h, j, x)]);
                    store(dt, dv, off(bd->dv_stride, b, h, j, x), gv[KVI(b, h, j, x)]);
                }
    free(gk);
    free(gv);
    free(gq);
    return 0;
}

/* ---------------------------------------------------------------- ring kernels */
static int check_view(const ringattn_tensor_desc* t) {
    REQUIRE(t, "desc null");
    for (int i = 0; i < 4; i++) REQUIRE(t->dims[i] > 0 && t->strides[i] >= 0, "bad dims/strides");
    REQUIRE(t->dtype >= 0 && t->dtype <= 2, "bad dtype");
    return 0;
}
#define FOR4(t)                                           \
    for (int64_t a0 = 0; a0 < (t)->dims[0]; a0++)         \
        for (int64_t a1 = 0; a1 < (t)->dims[1]; a1++)     \
            for (int64_t a2 = 0; a2 < (t)->dims[2]; a2++) \
                for (int64_t a3 = 0; a3 < (t)->dims[3]; a3++)
#define OFF(t) off((t)->strides, a0, a1, a2, a3)
static int same_dims(const ringattn_tensor_desc* a, const ringattn_tensor_desc* b) {
    for (int i = 0; i < 4; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

static int32_t sync_ringattn_merge_init(const ringattn_tensor_desc* acc, float* o, float* l, ringattn_stream s) {
    (void)s;
    int r = check_view(acc);
    if (r) return r;
    REQUIRE(acc->dtype == 2 && o && l, "merge_init args");
    if (g_dry) return 0;
    FOR4(acc) o[OFF(acc)] = 0;
    for (int64_t i = 0; i < acc->dims[0] * acc->dims[1] * acc->dims[2]; i++) l[i] = -INFINITY;
    return 0;
}
static int32_t sync_ringattn_lse_merge(const ringattn_tensor_desc* part, const void* op, const float* lp,
                                       const ringattn_tensor_desc* acc, float* oa, float* la, int64_t rb,
                                       ringattn_stream s) {
    (void)s;
    int r = check_view(part);
    if (r) return r;
    r = check_view(acc);
    if (r) return r;
    REQUIRE(acc->dtype == 2, "acc fp32");
    REQUIRE(part->dims[0] == acc->dims[0] && part->dims[1] == acc->dims[1] && part->dims[3] == acc->dims[3],
            "b,h,d agree");
    REQUIRE(rb >= 0 && rb + part->dims[2] <= acc->dims[2], "rows fit");
    if (g_dry) return 0;
    for (int64_t b = 0; b < part->dims[0]; b++)
        for (int64_t h = 0; h < part->dims[1]; h++)
            for (int64_t i = 0; i < part->dims[2]; i++) {
                float lb = lp[(b * part->dims[1] + h) * part->dims[2] + i];
                int64_t li = (b * acc->dims[1] + h) * acc->dims[2] + rb + i;
                float L = la[li];
                if (!isfinite(lb)) continue;
                float nl, wa, wb;
                if (!isfinite(L)) {
                    nl = lb;
                    wa = 0;
                    wb = 1;
                } else {
                    float m = fmaxf(L, lb);
                    nl = m + log1pf(expf(fminf(L, lb) - m));
                    wa = expf(L - nl);
                    wb = expf(lb - nl);
                }
                for (int64_t x = 0; x < part->dims[3]; x++) {
                    int64_t ao = off(acc->strides, b, h, rb + i, x);
                    float pv = load(part->dtype, op, off(part->strides, b, h, i, x));
                    oa[ao] = wa == 0 ? wb * pv : wa * oa[ao] + wb * pv;
                }
                la[li] = nl;
            }
    return 0;
}
static int32_t sync_ringattn_merge_finalize(const ringattn_tensor_desc* acc, const float* oa, const float* la,
                                            const ringattn_tensor_desc* out, void* oo, ringattn_stream s) {
    (void)s;
    int r = check_view(acc);
    if (r) return r;
    r = check_view(out);
    if (r) return r;
    REQUIRE(acc->dtype == 2 && same_dims(acc, out), "finalize dims");
    if (g_dry) return 0;
    FOR4(acc) {
        float L = la[(a0 * acc->dims[1] + a1) * acc->dims[2] + a2];
        store(out->dtype, oo, OFF(out), isfinite(L) ? oa[OFF(acc)] : 0.0f);
    }
    return 0;
}
static int32_t sync_ringattn_accumulate(const ringattn_tensor_desc* acc, float* ap, const ringattn_tensor_desc* src,
                                        const void* sp, ringattn_stream s) {
    (void)s;
    int r = check_view(acc);
    if (r) return r;
    r = check_view(src);
    if (r) return r;
    REQUIRE(acc->dtype == 2 && same_dims(acc, src) && ap && sp, "accumulate args");
    if (g_dry) return 0;
    FOR4(acc) ap[OFF(acc)] += load(src->dtype, sp, OFF(src));
    return 0;
}
static int32_t sync_ringattn_cast(const ringattn_tensor_desc* src, const void* sp, const ringattn_tensor_desc* dst,
                                  void* dp, ringattn_stream s) {
    (void)s;
    int r = check_view(src);
    if (r) return r;
    r = check_view(dst);
    if (r) return r;
    REQUIRE(same_dims(src, dst) && sp && dp, "cast args");
    if (g_dry) return 0;
    FOR4(src) store(dst->dtype, dp, OFF(dst), load(src->dtype, sp, OFF(src)));
    return 0;
}
/* ---------------------------------------------------------------- asynchronous entry points */
static void must(int32_t st, const char* what) {
    if (st) {
        fprintf(stderr, "fake shim: async %s failed: %s\n", what, g_error);
        abort();
    }
}
typedef struct {
    ringattn_context* c;
    ringattn_sdpa_desc d;
    const void *q, *k, *v;
    void* o;
    float* lse;
    void* ws;
    size_t wsb;
} fwd_args;
static void run_fwd(void* p) {
    fwd_args* a = p;
    must(sync_ringattn_sdpa_forward(a->c, &a->d, a->q, a->k, a->v, a->o, a->lse, a->ws, a->wsb, NULL), "forward");
}
int32_t ringattn_sdpa_forward(ringattn_context* c, const ringattn_sdpa_desc* d, const void* q, const void* k,
                              const void* v, void* o, float* lse, void* ws, size_t wsb, ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_sdpa_forward(c, d, q, k, v, o, lse, ws, wsb, st);
    g_dry = 0;
    if (r) return r;
    fwd_args* a = malloc(sizeof *a);
    *a = (fwd_args){c, *d, q, k, v, o, lse, ws, wsb};
    enqueue(st, run_fwd, a);
    return 0;
}
typedef struct {
    ringattn_context* c;
    ringattn_sdpa_bwd_desc d;
    const void *q, *k, *v, *o, *dO;
    const float* lse;
    void *dq, *dk, *dv, *ws;
    size_t wsb;
} bwd_args;
static void run_bwd(void* p) {
    bwd_args* a = p;
    must(sync_ringattn_sdpa_backward(a->c, &a->d, a->q, a->k, a->v, a->o, a->dO, a->lse, a->dq, a->dk, a->dv, a->ws,
                                     a->wsb, NULL),
         "backward");
}
int32_t ringattn_sdpa_backward(ringattn_context* c, const ringattn_sdpa_bwd_desc* d, const void* q, const void* k,
                               const void* v, const void* o, const void* dO, const float* lse, void* dq, void* dk,
                               void* dv, void* ws, size_t wsb, ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_sdpa_backward(c, d, q, k, v, o, dO, lse, dq, dk, dv, ws, wsb, st);
    g_dry = 0;
    if (r) return r;
    bwd_args* a = malloc(sizeof *a);
    *a = (bwd_args){c, *d, q, k, v, o, dO, lse, dq, dk, dv, ws, wsb};
    enqueue(st, run_bwd, a);
    return 0;
}
typedef struct {
    ringattn_tensor_desc t1, t2;
    const void* p1;
    const float* f1;
    float *f2, *f3;
    void* p2;
    int64_t rb;
} rk_args;
static void run_init(void* p) {
    rk_args* a = p;
    must(sync_ringattn_merge_init(&a->t1, a->f2, a->f3, NULL), "merge_init");
}
int32_t ringattn_merge_init(const ringattn_tensor_desc* acc, float* o, float* l, ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_merge_init(acc, o, l, st);
    g_dry = 0;
    if (r) return r;
    rk_args* a = calloc(1, sizeof *a);
    a->t1 = *acc;
    a->f2 = o;
    a->f3 = l;
    enqueue(st, run_init, a);
    return 0;
}
static void run_merge(void* p) {
    rk_args* a = p;
    must(sync_ringattn_lse_merge(&a->t1, a->p1, a->f1, &a->t2, a->f2, a->f3, a->rb, NULL), "lse_merge");
}
int32_t ringattn_lse_merge(const ringattn_tensor_desc* part, const void* op, const float* lp,
                           const ringattn_tensor_desc* acc, float* oa, float* la, int64_t rb, ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_lse_merge(part, op, lp, acc, oa, la, rb, st);
    g_dry = 0;
    if (r) return r;
    rk_args* a = calloc(1, sizeof *a);
    a->t1 = *part;
    a->t2 = *acc;
    a->p1 = op;
    a->f1 = lp;
    a->f2 = oa;
    a->f3 = la;
    a->rb = rb;
    enqueue(st, run_merge, a);
    return 0;
}
static void run_final(void* p) {
    rk_args* a = p;
    must(sync_ringattn_merge_finalize(&a->t1, a->f1, a->f3, &a->t2, a->p2, NULL), "finalize");
}
int32_t ringattn_merge_finalize(const ringattn_tensor_desc* acc, const float* oa, const float* la,
                                const ringattn_tensor_desc* out, void* oo, ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_merge_finalize(acc, oa, la, out, oo, st);
    g_dry = 0;
    if (r) return r;
    rk_args* a = calloc(1, sizeof *a);
    a->t1 = *acc;
    a->t2 = *out;
    a->f1 = oa;
    a->f3 = (float*)la;
    a->p2 = oo;
    enqueue(st, run_final, a);
    return 0;
}
static void run_acc(void* p) {
    rk_args* a = p;
    must(sync_ringattn_accumulate(&a->t1, a->f2, &a->t2, a->p1, NULL), "accumulate");
}
int32_t ringattn_accumulate(const ringattn_tensor_desc* acc, float* ap, const ringattn_tensor_desc* src, const void* sp,
                            ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_accumulate(acc, ap, src, sp, st);
    g_dry = 0;
    if (r) return r;
    rk_args* a = calloc(1, sizeof *a);
    a->t1 = *acc;
    a->t2 = *src;
    a->f2 = ap;
    a->p1 = sp;
    enqueue(st, run_acc, a);
    return 0;
}
static void run_cast(void* p) {
    rk_args* a = p;
    must(sync_ringattn_cast(&a->t1, a->p1, &a->t2, a->p2, NULL), "cast");
}
int32_t ringattn_cast(const ringattn_tensor_desc* src, const void* sp, const ringattn_tensor_desc* dst, void* dp,
                      ringattn_stream st) {
    g_dry = 1;
    int32_t r = sync_ringattn_cast(src, sp, dst, dp, st);
    g_dry = 0;
    if (r) return r;
    rk_args* a = calloc(1, sizeof *a);
    a->t1 = *src;
    a->t2 = *dst;
    a->p1 = sp;
    a->p2 = dp;
    enqueue(st, run_cast, a);
    return 0;
}
/* ---- NCCL: ranks of one process meet in a group keyed by the unique id; an exchange is a rendezvous on the
 * stream's thread: post the send buffer to the peer, copy what the other peer posted, wait until ours was taken. ----
 */
typedef struct {
    const void* send;
    size_t bytes;
    int64_t posted, consumed;
} nslot;
/* Collectives (all-gather, gather, reduce-scatter, all-to-all, split) meet on a board: each rank posts its send buffer
 * (or color and key) under its own collective sequence number, every rank takes what it needs once all have posted, and
 * nobody leaves before all have taken, so no send buffer is reused early. */
typedef struct {
    const void* send;
    int color, key;
    int64_t posted, taken;
} cslot;
typedef struct ngroup {
    uint8_t id[128];
    int n, joined;
    nslot* slots;
    cslot* board;
    struct ngroup* next;
} ngroup;
struct ringattn_comm {
    ngroup* g;
    int rank, n, device;
    int64_t seq, cseq;
    volatile int cancelled;
};
static pthread_mutex_t g_nccl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_nccl_cv = PTHREAD_COND_INITIALIZER;
static ngroup* g_groups;
int32_t ringattn_nccl_get_unique_id(ringattn_nccl_unique_id* o) {
    static int64_t counter;
    memset(o, 0, sizeof *o);
    pthread_mutex_lock(&g_nccl_mu);
    int64_t c = ++counter;
    pthread_mutex_unlock(&g_nccl_mu);
    double t = now_ms();
    memcpy(o->bytes, &c, sizeof c);
    memcpy(o->bytes + 8, &t, sizeof t);
    return 0;
}
int32_t ringattn_nccl_comm_init(const ringattn_nccl_unique_id* id, int32_t n, int32_t r, int32_t d,
                                ringattn_comm** out) {
    REQUIRE(id && out && n >= 1 && r >= 0 && r < n, "bad comm_init arguments");
    REQUIRE(d >= 0 && d < device_count(), "device out of range");
    pthread_mutex_lock(&g_nccl_mu);
    ngroup* g = g_groups;
    while (g && memcmp(g->id, id->bytes, 128)) g = g->next;
    if (!g) {
        g = calloc(1, sizeof *g);
        memcpy(g->id, id->bytes, 128);
        g->n = n;
        g->slots = calloc(n, sizeof(nslot));
        g->board = calloc(n, sizeof(cslot));
        g->next = g_groups;
        g_groups = g;
    }
    if (g->n != n) {
        pthread_mutex_unlock(&g_nccl_mu);
        return fail(RINGATTN_STATUS_NCCL_ERROR, "%s", "nranks differ between ranks");
    }
    g->joined++;
    pthread_cond_broadcast(&g_nccl_cv);
    while (g->joined < g->n) pthread_cond_wait(&g_nccl_cv, &g_nccl_mu);
    pthread_mutex_unlock(&g_nccl_mu);
    ringattn_comm* c = calloc(1, sizeof *c);
    c->g = g;
    c->rank = r;
    c->n = n;
    c->device = d;
    *out = c;
    return 0;
}
int32_t ringattn_nccl_comm_init_timeout(const ringattn_nccl_unique_id* i, int32_t n, int32_t r, int32_t d, int64_t t,
                                        ringattn_comm** o) {
    (void)t;
    return ringattn_nccl_comm_init(i, n, r, d, o);
}
int32_t ringattn_nccl_comm_info(const ringattn_comm* c, int32_t* r, int32_t* n, int32_t* d) {
    REQUIRE(c, "null comm");
    if (r) *r = c->rank;
    if (n) *n = c->n;
    if (d) *d = c->device;
    return 0;
}
typedef struct {
    ringattn_comm* c;
    const void* send;
    void* recv;
    size_t bytes;
    int dir;
    int64_t seq;
} x_args;
static void do_exchange(void* p) {
    x_args* a = p;
    ngroup* g = a->c->g;
    int r = a->c->rank, n = a->c->n;
    int next = a->dir == RINGATTN_RING_FORWARD ? (r + 1) % n : (r - 1 + n) % n;
    pthread_mutex_lock(&g_nccl_mu);
    g->slots[next].send = a->send;
    g->slots[next].bytes = a->bytes;
    g->slots[next].posted = a->seq;
    pthread_cond_broadcast(&g_nccl_cv);
    while (g->slots[r].posted < a->seq) pthread_cond_wait(&g_nccl_cv, &g_nccl_mu);
    if (g->slots[r].bytes != a->bytes) {
        fprintf(stderr, "fake shim: NCCL byte counts differ (%zu vs %zu)\n", g->slots[r].bytes, a->bytes);
        abort();
    }
    memcpy(a->recv, g->slots[r].send, a->bytes);
    g->slots[r].consumed = a->seq;
    pthread_cond_broadcast(&g_nccl_cv);
    while (g->slots[next].consumed < a->seq) pthread_cond_wait(&g_nccl_cv, &g_nccl_mu);
    pthread_mutex_unlock(&g_nccl_mu);
}
#define REQUIRE_LIVE(c)                                                                                             \
    do {                                                                                                            \
        REQUIRE(c, "null comm");                                                                                    \
        if ((c)->cancelled)                                                                                         \
            return fail(RINGATTN_STATUS_ABORTED, "%s", "the communicator was cancelled (a peer failed); abort it"); \
    } while (0)
int32_t ringattn_nccl_ring_exchange(ringattn_comm* c, const void* s, void* r, size_t b, int32_t d, ringattn_stream st) {
    REQUIRE_LIVE(c);
    REQUIRE(b == 0 || (s && r), "bad ring_exchange arguments");
    REQUIRE(d == RINGATTN_RING_FORWARD || d == RINGATTN_RING_BACKWARD, "bad direction");
    if (b == 0) return 0;
    x_args* a = malloc(sizeof *a);
    *a = (x_args){c, s, r, b, d, ++c->seq};
    enqueue(st, do_exchange, a);
    return 0;
}
/* Posts this rank's part of collective `seq` and waits until every rank of the group posted it. */
static void board_post(ringattn_comm* c, int64_t seq, const void* send, int color, int key) {
    ngroup* g = c->g;
    pthread_mutex_lock(&g_nccl_mu);
    g->board[c->rank].send = send;
    g->board[c->rank].color = color;
    g->board[c->rank].key = key;
    g->board[c->rank].posted = seq;
    pthread_cond_broadcast(&g_nccl_cv);
    for (int r = 0; r < g->n; r++)
        while (g->board[r].posted < seq) pthread_cond_wait(&g_nccl_cv, &g_nccl_mu);
    pthread_mutex_unlock(&g_nccl_mu);
}
/* Marks collective `seq` taken by this rank and waits until every rank took it. */
static void board_leave(ringattn_comm* c, int64_t seq) {
    ngroup* g = c->g;
    pthread_mutex_lock(&g_nccl_mu);
    g->board[c->rank].taken = seq;
    pthread_cond_broadcast(&g_nccl_cv);
    for (int r = 0; r < g->n; r++)
        while (g->board[r].taken < seq) pthread_cond_wait(&g_nccl_cv, &g_nccl_mu);
    pthread_mutex_unlock(&g_nccl_mu);
}
typedef struct {
    ringattn_comm* c;
    const void* send;
    void* recv;
    size_t bytes;
    int root;
    int64_t seq;
} g_args;
static void do_gather(void* p) {
    g_args* a = p;
    ngroup* g = a->c->g;
    board_post(a->c, a->seq, a->send, 0, 0);
    if (a->root < 0 || a->root == a->c->rank)
        for (int r = 0; r < g->n; r++) memcpy((char*)a->recv + (size_t)r * a->bytes, g->board[r].send, a->bytes);
    board_leave(a->c, a->seq);
}
static int32_t enqueue_gather(ringattn_comm* c, const void* s, void* r, size_t b, int root, ringattn_stream st) {
    g_args* a = malloc(sizeof *a);
    *a = (g_args){c, s, r, b, root, ++c->cseq};
    enqueue(st, do_gather, a);
    return 0;
}
int32_t ringattn_nccl_all_gather(ringattn_comm* c, const void* s, void* r, size_t b, ringattn_stream st) {
    REQUIRE_LIVE(c);
    if (b == 0) return 0;
    REQUIRE(s && r, "bad all_gather arguments");
    return enqueue_gather(c, s, r, b, -1, st);
}
int32_t ringattn_nccl_gather(ringattn_comm* c, const void* s, void* r, size_t b, int32_t root, ringattn_stream st) {
    REQUIRE_LIVE(c);
    REQUIRE(root >= 0 && root < c->n, "root out of range");
    if (b == 0) return 0;
    REQUIRE(s && (root != c->rank || r), "bad gather arguments");
    return enqueue_gather(c, s, r, b, root, st);
}
typedef struct {
    ringattn_comm* c;
    const void* send;
    void* recv;
    size_t count;
    int dtype;
    int64_t seq;
} rs_args;
/* Rank r sums block r of every rank's send buffer in rank order, in fp32 (NCCL's order is its own), into a scratch
 * first: in place, recv is this rank's own block of its send buffer, which it is still reading. */
static void do_reduce_scatter(void* p) {
    rs_args* a = p;
    ngroup* g = a->c->g;
    board_post(a->c, a->seq, a->send, 0, 0);
    float* sum = calloc(a->count, sizeof(float));
    const int64_t at = (int64_t)a->c->rank * (int64_t)a->count;
    for (int r = 0; r < g->n; r++)
        for (size_t i = 0; i < a->count; i++) sum[i] += load(a->dtype, g->board[r].send, at + (int64_t)i);
    board_leave(a->c, a->seq);
    for (size_t i = 0; i < a->count; i++) store(a->dtype, a->recv, (int64_t)i, sum[i]);
    free(sum);
}
int32_t ringattn_nccl_reduce_scatter(ringattn_comm* c, const void* s, void* r, size_t count, int32_t dtype,
                                     ringattn_stream st) {
    REQUIRE_LIVE(c);
    REQUIRE(dtype == RINGATTN_DTYPE_FP32 || dtype == RINGATTN_DTYPE_BF16 || dtype == RINGATTN_DTYPE_FP16,
            "dtype must be RINGATTN_DTYPE_FP32, RINGATTN_DTYPE_BF16 or RINGATTN_DTYPE_FP16");
    if (count == 0) return 0;
    REQUIRE(s && r, "bad reduce_scatter arguments");
    size_t eb = dtype == RINGATTN_DTYPE_FP32 ? 4 : 2, block = count * eb;
    const char *sb = s, *rb = r;
    REQUIRE(rb == sb + (size_t)c->rank * block || sb + (size_t)c->n * block <= rb || rb + block <= sb,
            "recv_buf overlaps send_buf other than as this rank's block");
    rs_args* a = malloc(sizeof *a);
    *a = (rs_args){c, s, r, count, dtype, ++c->cseq};
    enqueue(st, do_reduce_scatter, a);
    return 0;
}
/* Rank r takes block r of every rank's send buffer: block j of recv comes from rank j (its own block included). */
static void do_all_to_all(void* p) {
    g_args* a = p;
    ngroup* g = a->c->g;
    board_post(a->c, a->seq, a->send, 0, 0);
    for (int j = 0; j < g->n; j++)
        memcpy((char*)a->recv + (size_t)j * a->bytes, (const char*)g->board[j].send + (size_t)a->c->rank * a->bytes,
               a->bytes);
    board_leave(a->c, a->seq);
}
int32_t ringattn_nccl_all_to_all(ringattn_comm* c, const void* s, void* r, size_t b, ringattn_stream st) {
    REQUIRE_LIVE(c);
    if (b == 0) return 0;
    REQUIRE(s && r, "bad all_to_all arguments");
    size_t total = (size_t)c->n * b;
    REQUIRE((const char*)s + total <= (const char*)r || (const char*)r + total <= (const char*)s,
            "send_buf and recv_buf overlap");
    g_args* a = malloc(sizeof *a);
    *a = (g_args){c, s, r, b, 0, ++c->cseq};
    enqueue(st, do_all_to_all, a);
    return 0;
}
int32_t ringattn_nccl_comm_split(ringattn_comm* c, int32_t color, int32_t key, ringattn_comm** out) {
    REQUIRE_LIVE(c);
    REQUIRE(out, "null out");
    *out = NULL;
    int64_t seq = ++c->cseq;
    board_post(c, seq, NULL, color, key);
    int n = 0, rank = 0;
    for (int r = 0; r < c->n; r++) {
        cslot* o = &c->g->board[r];
        if (color < 0 || o->color != color) continue;
        n++;
        if (o->key < key || (o->key == key && r < c->rank)) rank++;
    }
    board_leave(c, seq);
    if (color < 0) return 0;
    ringattn_nccl_unique_id id;
    memset(&id, 0, sizeof id);
    memcpy(id.bytes, &c->g, sizeof c->g);
    memcpy(id.bytes + 16, &seq, sizeof seq);
    memcpy(id.bytes + 24, &color, sizeof color);
    id.bytes[127] = 0x5B; /* never equal to a unique id made by ringattn_nccl_get_unique_id */
    return ringattn_nccl_comm_init(&id, n, rank, c->device, out);
}
int32_t ringattn_nccl_comm_cancel(ringattn_comm* c) {
    REQUIRE(c, "null comm");
    c->cancelled = 1;
    return 0;
}
int32_t ringattn_nccl_comm_async_error(ringattn_comm* c, int32_t* r) {
    (void)c;
    if (r) *r = 0;
    return 0;
}
int32_t ringattn_nccl_comm_abort(ringattn_comm* c) {
    free(c);
    return 0;
}
int32_t ringattn_nccl_comm_finalize(ringattn_comm* c) {
    (void)c;
    return 0;
}
int32_t ringattn_nccl_comm_destroy(ringattn_comm* c) {
    free(c);
    return 0;
}
