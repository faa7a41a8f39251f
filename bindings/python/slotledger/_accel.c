/*
 * slotledger._accel: the C side of Database.slots_epoch() (and so of
 * slots(), which is built on it), an optional CPython extension module.
 *
 * Why: through ctypes the binding's epoch call costs about 1.9x the C call
 * it wraps (bench/README.md, "Bindings"): libffi, ctypes and the Python of
 * the argument checks. Issue 16 asks for at most 1.5x. This module makes
 * the same call with the CPython C API only.
 *
 * It does not link libslotledger: epoch.py hands it, once (setup()), the
 * address of sl_slots in the library ctypes loaded, so the process holds
 * one copy of the library and one set of handles. It keeps no per-call
 * state: the result buffer is on the stack, so threads need nothing but
 * the Database's lock, which epoch.py holds around slots().
 *
 * Same behaviour as the ctypes path (epoch.py, EpochMixin.slots_epoch), by
 * construction rather than by copy:
 * - arguments: the common exact types (int in the int64 range, a datetime
 *   whose tzinfo is timezone.utc, a whole-second timedelta) are converted
 *   here to the values the binding's conversions give; anything else goes
 *   to those conversions themselves (_convert._int, _time_in, _span_in,
 *   _now_in), so every error is theirs, raised in the same order (tenant,
 *   start, end, duration, now) and before the closed check;
 * - the C call runs with the GIL released, as ctypes releases it;
 * - a negative result goes to epoch._accel_fail, which reads a result
 *   larger than the buffer through sl_slots_alloc and raises every other
 *   code with the binding's own error mapping;
 * - the result is an epoch.SlotArray filled from the sl_interval array as
 *   bytes, with .clamped set as the ctypes path sets it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function and data pointers differ in size");

#if PY_VERSION_HEX < 0x030A0000
#error "slotledger._accel needs Python >= 3.10 (the binding falls back to ctypes)"
#endif

/* sl_interval and sl_slots of include/slotledger/slots.h, restated: the
 * module is built from the Python package alone (pip), without the C
 * headers. */
typedef struct {
    int64_t start;
    int64_t end;
} interval;

typedef int (*slots_fn)(void *db, interval *buf, size_t cap, size_t *count, uint32_t *flags, int64_t tenant,
                        int64_t from, int64_t to, int64_t duration, int64_t now);

enum {
    CAP = 1024,          /* slots on the stack: epoch._CAP, the ctypes path's buffer */
    SLOTS_CLAMPED = 0x1, /* SL_SLOTS_CLAMPED */
    NARGS = 6            /* slots(db, tenant, start, end, duration, now) */
};

/* What setup() was given (one interpreter; set once at import). */
static slots_fn sl_slots_fn;
static PyObject *slot_array;                   /* epoch.SlotArray */
static PyObject *int_in, *time_in, *span_in;   /* _convert._int, _time_in, _span_in */
static PyObject *now_in;                       /* _convert._now_in */
static PyObject *fail;                         /* epoch._accel_fail */

/* Interned names. */
static PyObject *s_q, *s_frombytes, *s_clamped, *s_h, *s_handle;
static PyObject *s_tenant, *s_start, *s_end, *s_duration;

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (y >= 1). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* *out = the Python conversion conv(name, v) (conv(v) when name is NULL):
 * the general path, with the binding's own errors. */
static int by_python(PyObject *conv, PyObject *name, PyObject *v, int64_t *out)
{
    PyObject *args[2] = {name, v};
    PyObject *r = name ? PyObject_Vectorcall(conv, args, 2, NULL) : PyObject_Vectorcall(conv, args + 1, 1, NULL);
    if (r == NULL)
        return -1;
    long long x = PyLong_AsLongLong(r);
    Py_DECREF(r);
    if (x == -1 && PyErr_Occurred())
        return -1;
    *out = x;
    return 0;
}

/* An exact int in the int64 range: *out = v, 1. Otherwise 0 (no error set). */
static int exact_int(PyObject *v, int64_t *out)
{
    if (!PyLong_CheckExact(v))
        return 0;
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow)
        return 0;
    *out = x;
    return 1;
}

/* A datetime (not a subclass) in timezone.utc: *out = its Unix seconds,
 * sub-second part floored (as _convert._time_in: days * 86400 + seconds of
 * its difference from the epoch), 1. Otherwise 0. */
static int exact_utc(PyObject *v, int64_t *out)
{
    if (!PyDateTime_CheckExact(v) || PyDateTime_DATE_GET_TZINFO(v) != PyDateTime_TimeZone_UTC)
        return 0;
    int64_t days = days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
    *out = days * 86400 + PyDateTime_DATE_GET_HOUR(v) * 3600 + PyDateTime_DATE_GET_MINUTE(v) * 60 +
           PyDateTime_DATE_GET_SECOND(v);
    return 1;
}

/* A timedelta (not a subclass) of whole seconds: *out = its seconds, 1
 * (always in the int64 range: |days| < 10**9). Otherwise 0. */
static int exact_span(PyObject *v, int64_t *out)
{
    if (!PyDelta_CheckExact(v) || PyDateTime_DELTA_GET_MICROSECONDS(v) != 0)
        return 0;
    *out = (int64_t)PyDateTime_DELTA_GET_DAYS(v) * 86400 + PyDateTime_DELTA_GET_SECONDS(v);
    return 1;
}

/* The five int64 arguments of sl_slots from args[1..5], in the ctypes
 * path's order; -1 with the conversion's exception set. */
static int arguments_in(PyObject *const *args, int64_t a[5])
{
    if (!exact_int(args[1], &a[0]) && by_python(int_in, s_tenant, args[1], &a[0]) < 0)
        return -1;
    if (!exact_utc(args[2], &a[1]) && by_python(time_in, s_start, args[2], &a[1]) < 0)
        return -1;
    if (!exact_utc(args[3], &a[2]) && by_python(time_in, s_end, args[3], &a[2]) < 0)
        return -1;
    if (!exact_span(args[4], &a[3]) && !exact_int(args[4], &a[3]) &&
        by_python(span_in, s_duration, args[4], &a[3]) < 0)
        return -1;
    if ((args[5] == Py_None || !exact_utc(args[5], &a[4])) && by_python(now_in, NULL, args[5], &a[4]) < 0)
        return -1;
    return 0;
}

/* The new SlotArray of n slots from buf (n <= CAP), clamped as flags says. */
static PyObject *slot_array_of(const interval *buf, size_t n, uint32_t flags)
{
    PyObject *out = PyObject_CallOneArg(slot_array, s_q);
    if (out == NULL)
        return NULL;
    if (n) {
        PyObject *view = PyMemoryView_FromMemory((char *)buf, (Py_ssize_t)(n * sizeof *buf), PyBUF_READ);
        if (view == NULL)
            goto out_release_array;
        PyObject *r = PyObject_CallMethodOneArg(out, s_frombytes, view);
        Py_DECREF(view);
        if (r == NULL)
            goto out_release_array;
        Py_DECREF(r);
    }
    if ((flags & SLOTS_CLAMPED) && PyObject_SetAttr(out, s_clamped, Py_True) < 0)
        goto out_release_array;
    return out;

out_release_array:
    Py_DECREF(out);
    return NULL;
}

/* A negative rc: epoch._accel_fail(db, handle, rc, count, tenant, start,
 * end, duration, now) returns the SlotArray of a result larger than the
 * buffer or raises the binding's error. */
static PyObject *failed(PyObject *db, PyObject *handle, int rc, size_t count, const int64_t a[5])
{
    PyObject *args[9] = {db, handle, PyLong_FromLong(rc), PyLong_FromSize_t(count)};
    PyObject *r = NULL;
    int n = 4;
    for (int i = 0; i < 5; i++, n++)
        if ((args[n] = PyLong_FromLongLong(a[i])) == NULL)
            goto out_release_ints;
    if (args[2] && args[3])
        r = PyObject_Vectorcall(fail, args, 9, NULL);
out_release_ints:
    for (int i = 2; i < n; i++)
        Py_XDECREF(args[i]);
    return r;
}

PyDoc_STRVAR(slots_doc,
             "slots(db, tenant, start, end, duration, now) -> SlotArray\n\n"
             "Database.slots_epoch()'s work, called by epoch.py with db's lock held. The\n"
             "handle, db._h, is read once the arguments are converted (a conversion runs\n"
             "Python, e.g. a tzinfo's utcoffset(), which may close db): None is closed,\n"
             "and db._handle() raises Misuse.");

static PyObject *accel_slots(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != NARGS) {
        PyErr_Format(PyExc_TypeError, "slots() takes %d arguments (%zd given)", NARGS, nargs);
        return NULL;
    }
    if (sl_slots_fn == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "slotledger._accel: setup() was not called");
        return NULL;
    }
    int64_t a[5];
    if (arguments_in(args, a) < 0)
        return NULL;
    /* After the conversions, which may have closed db (the lock is
     * reentrant): the handle as it is now. */
    PyObject *handle = PyObject_GetAttr(args[0], s_h);
    if (handle == NULL)
        return NULL;
    if (handle == Py_None) {   /* closed: db._handle() raises Misuse */
        Py_DECREF(handle);
        PyObject *r = PyObject_CallMethodNoArgs(args[0], s_handle);
        if (r == NULL)
            return NULL;
        Py_DECREF(r);
        PyErr_SetString(PyExc_SystemError, "slots(): handle None for an open Database");
        return NULL;
    }
    PyObject *out = NULL;
    void *db = PyLong_AsVoidPtr(handle);
    if (db == NULL && PyErr_Occurred())
        goto out_release_handle;

    interval buf[CAP];
    size_t count = 0;
    uint32_t flags = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sl_slots_fn(db, buf, CAP, &count, &flags, a[0], a[1], a[2], a[3], a[4]);
    Py_END_ALLOW_THREADS
    if (rc < 0)
        out = failed(args[0], handle, rc, count, a);
    else if (count > CAP)
        PyErr_Format(PyExc_SystemError, "sl_slots reported %zu slots into a buffer of %d", count, CAP);
    else
        out = slot_array_of(buf, count, flags);

out_release_handle:
    Py_DECREF(handle);
    return out;
}

PyDoc_STRVAR(setup_doc,
             "setup(sl_slots_address, SlotArray, int_in, time_in, span_in, now_in, fail)\n\n"
             "Once, from epoch.py: the address of sl_slots in the library ctypes loaded,\n"
             "the result type, the binding's conversions and its failure path.");

static PyObject *accel_setup(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "setup() takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    void *fn = PyLong_AsVoidPtr(args[0]);
    if (fn == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "setup(): sl_slots address is 0");
        return NULL;
    }
    for (int i = 1; i < 7; i++)
        if (!PyCallable_Check(args[i])) {
            PyErr_Format(PyExc_TypeError, "setup(): argument %d is not callable", i + 1);
            return NULL;
        }
    PyObject **keep[6] = {&slot_array, &int_in, &time_in, &span_in, &now_in, &fail};
    for (int i = 0; i < 6; i++)
        Py_XSETREF(*keep[i], Py_NewRef(args[i + 1]));
    /* A data pointer to a function pointer: how a ctypes address becomes
     * callable; POSIX guarantees the round trip (dlsym). */
    memcpy(&sl_slots_fn, &fn, sizeof fn);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"slots", (PyCFunction)(void (*)(void))accel_slots, METH_FASTCALL, slots_doc},
    {"setup", (PyCFunction)(void (*)(void))accel_setup, METH_FASTCALL, setup_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "slotledger._accel",
    "Optional C accelerator of Database.slots_epoch() (see epoch.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__accel(void); /* the module's one exported symbol */

PyMODINIT_FUNC PyInit__accel(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    struct {
        PyObject **name;
        const char *text;
    } names[] = {
        {&s_q, "q"},           {&s_frombytes, "frombytes"}, {&s_clamped, "clamped"},
        {&s_h, "_h"},          {&s_handle, "_handle"},
        {&s_tenant, "tenant"}, {&s_start, "start"},         {&s_end, "end"},         {&s_duration, "duration"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (*names[i].name == NULL && (*names[i].name = PyUnicode_InternFromString(names[i].text)) == NULL)
            return NULL;
    return PyModule_Create(&module_def);
}
