// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Python handlers, called as perf script's Python engine calls them
 * (tools/perf/util/scripting-engines/trace-event-python.c, perf 6.1):
 *
 *   GROUP__EVENT(event_name, context, common_cpu, common_secs, common_nsecs,
 *                common_pid, common_comm, common_callchain, FIELD...
 *                [, perf_sample_dict])
 *   trace_unhandled(event_name, context, event_fields_dict [, perf_sample_dict])
 *   trace_begin(), trace_end()
 *
 * The script runs as __main__ with sys.argv = [script, args...] and its
 * directory first on sys.path; perf_trace_context is a built-in module;
 * PERF_EXEC_PATH points at a directory laid out like perf's, so that
 * `sys.path.append(os.environ['PERF_EXEC_PATH'] + '/scripts/python/
 * Perf-Trace-Util/lib/Perf/Trace')` finds our Core.py and Util.py.
 *
 * Values are what perf passes, quirks included (scripts/engine.h,
 * struct script_field): integers read unsigned from their size, so an
 * s32 of -1 arrives as 4294967295 and only 8-byte signed fields come out
 * negative; arrays and strings arrive as str when perf's
 * is_printable_array() says so, else as bytearray, and a field that was
 * once a bytearray stays one for the rest of the run.
 *
 * What perf does per sample that we do once: the handler's argument count
 * is cached while the same function object stays bound to the name, and
 * names, keys and the context capsule are made once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "scripts/engine.h"

#define MAX_FIELDS 64 /* perf's tuple size */
#define NR_IDS     65536

struct py_field {
	struct script_field f;
	PyObject *name;
	bool string;             /* libtraceevent's flag, which perf clears */
};

struct py_event {
	const struct tp_event *ev;
	PyObject *name;          /* "GROUP__EVENT": the handler and event_name */
	PyObject *ev_name;       /* "GROUP:EVENT": perf_sample_dict's ev_name */
	unsigned nfields;
	struct py_field fields[2 + TP_MAX_ARGS];
};

struct script_engine {
	PyObject *main;          /* __main__'s dict (borrowed) */
	PyObject *context;       /* the capsule every handler gets */
	PyObject *unhandled;     /* "trace_unhandled" */
	PyObject *keys[6];       /* trace_unhandled's common_* keys */
	PyObject *handler;       /* the last function whose argcount we know */
	int argcount;
	PyObject *comm;          /* the last comm string, reused while equal */
	char comm_c[64];
	bool failed;
	struct py_event **events; /* by ID */
};

/* What perf_trace_context's functions read: the sample being handled. */
static const struct script_sample *current;

/* --- perf_trace_context ------------------------------------------------------- */

static PyObject *ctx_field(PyObject *args, unsigned off)
{
	PyObject *cap;

	if (!PyArg_ParseTuple(args, "O", &cap))
		return NULL;
	if (!current || current->raw_size <= off)
		return PyLong_FromLong(0);
	return PyLong_FromLong(current->raw[off]);
}

static PyObject *ctx_common_pc(PyObject *self, PyObject *args)
{
	(void)self;
	return ctx_field(args, 3); /* common_preempt_count */
}

static PyObject *ctx_common_flags(PyObject *self, PyObject *args)
{
	(void)self;
	return ctx_field(args, 2);
}

static PyObject *ctx_common_lock_depth(PyObject *self, PyObject *args)
{
	PyObject *cap;

	(void)self;
	if (!PyArg_ParseTuple(args, "O", &cap))
		return NULL;
	return PyLong_FromLong(-1); /* no such field since Linux 2.6.37 */
}

static PyObject *ctx_sample_insn(PyObject *self, PyObject *args)
{
	PyObject *cap;

	(void)self;
	if (!PyArg_ParseTuple(args, "O", &cap))
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *ctx_set_itrace_options(PyObject *self, PyObject *args)
{
	PyObject *cap;
	const char *opts;

	(void)self;
	if (!PyArg_ParseTuple(args, "Os", &cap, &opts))
		return NULL;
	return PyLong_FromLong(-1); /* no AUX area data */
}

static PyObject *ctx_sample_srcline(PyObject *self, PyObject *args)
{
	PyObject *cap;

	(void)self;
	if (!PyArg_ParseTuple(args, "O", &cap))
		return NULL;
	return Py_BuildValue("(zI)", NULL, 0u);
}

static PyObject *ctx_sample_srccode(PyObject *self, PyObject *args)
{
	PyObject *cap;

	(void)self;
	if (!PyArg_ParseTuple(args, "O", &cap))
		return NULL;
	return Py_BuildValue("(zIz)", NULL, 0u, NULL);
}

static PyMethodDef ctx_methods[] = {
	{ "common_pc", ctx_common_pc, METH_VARARGS, "common_preempt_count of the sample." },
	{ "common_flags", ctx_common_flags, METH_VARARGS, "common_flags of the sample." },
	{ "common_lock_depth", ctx_common_lock_depth, METH_VARARGS, "-1: no such field." },
	{ "perf_sample_insn", ctx_sample_insn, METH_VARARGS, "None: no instruction bytes." },
	{ "perf_set_itrace_options", ctx_set_itrace_options, METH_VARARGS, "-1: no AUX data." },
	{ "perf_sample_srcline", ctx_sample_srcline, METH_VARARGS, "(None, 0)." },
	{ "perf_sample_srccode", ctx_sample_srccode, METH_VARARGS, "(None, 0, None)." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef ctx_module = {
	PyModuleDef_HEAD_INIT, "perf_trace_context", "perf's script context, as xol has it.",
	-1, ctx_methods, NULL, NULL, NULL, NULL,
};

/* --- start ------------------------------------------------------------------ */

static int init_python(const char *script, int argc, char **argv)
{
	PyConfig config;
	PyStatus st;

	PyConfig_InitPythonConfig(&config);
	config.parse_argv = 0;
	config.install_signal_handlers = 0; /* the collector owns SIGINT */
	st = PyConfig_SetBytesString(&config, &config.program_name, "xol");
	if (!PyStatus_Exception(st))
		st = PyConfig_SetBytesArgv(&config, argc, argv);
	if (!PyStatus_Exception(st)) {
		/* argv[0] is the script as perf passes it, not "xol:..." */
		PyMem_RawFree(config.argv.items[0]);
		config.argv.items[0] = Py_DecodeLocale(script, NULL);
		st = Py_InitializeFromConfig(&config);
	}
	PyConfig_Clear(&config);
	if (PyStatus_Exception(st)) {
		fprintf(stderr, "xol script: cannot start Python: %s\n",
			st.err_msg ? st.err_msg : "?");
		return -1;
	}
	return 0;
}

static int set_environ(const char *key, const char *value)
{
	PyObject *os = PyImport_ImportModule("os"), *env = NULL, *v = NULL;
	int r = -1;

	if (os && (env = PyObject_GetAttrString(os, "environ")) &&
	    (v = PyUnicode_DecodeFSDefault(value)))
		r = PyMapping_SetItemString(env, key, v);
	Py_XDECREF(v);
	Py_XDECREF(env);
	Py_XDECREF(os);
	return r;
}

/* sys.modules['perf_trace_context'], sys.path[0] the script's directory, PERF_EXEC_PATH. */
static int setup_modules(struct script_engine *e, const char *script)
{
	PyObject *mod = PyModule_Create(&ctx_module), *modules = PyImport_GetModuleDict();
	PyObject *path = PySys_GetObject("path"), *dir;
	const char *exec = script_exec_path();
	char real[PATH_MAX], *slash;

	if (!mod || PyDict_SetItemString(modules, "perf_trace_context", mod))
		return -1;
	e->context = PyCapsule_New(e, NULL, NULL);
	if (!e->context || PyModule_AddObjectRef(mod, "perf_script_context", e->context) ||
	    PyDict_SetItemString(e->main, "perf_script_context", e->context))
		return -1;
	Py_DECREF(mod);

	if (!realpath(script, real))
		snprintf(real, sizeof(real), "%s", script);
	slash = strrchr(real, '/');
	dir = slash ? PyUnicode_DecodeFSDefaultAndSize(real, slash - real)
		    : PyUnicode_FromString("");
	if (!dir || !path || PyList_Insert(path, 0, dir))
		return -1;
	Py_DECREF(dir);

	if (exec) {
		char lib[PATH_MAX + 64];
		PyObject *p;

		/* perf sets PERF_EXEC_PATH to its own; we set ours */
		setenv("PERF_EXEC_PATH", exec, 1);
		snprintf(lib, sizeof(lib), "%s/scripts/python/Perf-Trace-Util/lib/Perf/Trace", exec);
		p = PyUnicode_DecodeFSDefault(lib);
		if (!p || PyList_Append(path, p))
			return -1;
		Py_DECREF(p);
		/* os.environ was filled at start-up, before setenv() */
		if (set_environ("PERF_EXEC_PATH", exec))
			return -1;
	}
	return 0;
}

static int call_hook(struct script_engine *e, const char *name)
{
	PyObject *fn = PyDict_GetItemString(e->main, name), *ret;

	if (!fn || !PyCallable_Check(fn))
		return 0;
	ret = PyObject_CallNoArgs(fn);
	if (!ret) {
		PyErr_Print(); /* a SystemExit exits here, as under perf */
		return -1;
	}
	Py_DECREF(ret);
	return 0;
}

static void free_events(struct script_engine *e)
{
	if (!e->events)
		return;
	for (unsigned i = 0; i < NR_IDS; i++) {
		struct py_event *pe = e->events[i];

		if (!pe)
			continue;
		Py_XDECREF(pe->name);
		Py_XDECREF(pe->ev_name);
		for (unsigned j = 0; j < pe->nfields; j++)
			Py_XDECREF(pe->fields[j].name);
		free(pe);
	}
	free(e->events);
	e->events = NULL;
}

static void finish(struct script_engine *e)
{
	Py_CLEAR(e->context);
	Py_CLEAR(e->unhandled);
	Py_CLEAR(e->handler);
	Py_CLEAR(e->comm);
	for (unsigned i = 0; i < 6; i++)
		Py_CLEAR(e->keys[i]);
	free_events(e);
	current = NULL;
	fflush(stdout);
	Py_FinalizeEx();
	free(e);
}

static int py_start(struct script_engine **out, const char *spec, int argc, char **argv)
{
	static const char *const keys[6] = { "common_cpu",  "common_s",    "common_ns",
					     "common_pid",  "common_comm", "common_callchain" };
	const char *path = script_file(spec);
	struct script_engine *e;
	FILE *fp;
	int err;

	if (Py_IsInitialized()) {
		fprintf(stderr, "xol script: Python is already running\n");
		return -1;
	}
	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "xol script: %s: %s\n", path, strerror(errno));
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->events = calloc(NR_IDS, sizeof(*e->events))) ||
	    init_python(path, argc, argv)) {
		if (e)
			free(e->events);
		free(e);
		fclose(fp);
		return -1;
	}
	e->main = PyModule_GetDict(PyImport_AddModule("__main__"));
	e->unhandled = PyUnicode_InternFromString("trace_unhandled");
	for (unsigned i = 0; i < 6; i++)
		e->keys[i] = PyUnicode_InternFromString(keys[i]);
	if (setup_modules(e, path)) {
		PyErr_Print();
		fclose(fp);
		finish(e);
		return -1;
	}
	/* PyRun_SimpleFile prints the traceback of an error itself */
	err = PyRun_SimpleFileExFlags(fp, path, 1, NULL);
	if (err) {
		fprintf(stderr, "xol script: error running Python script %s\n", path);
		finish(e);
		return -1;
	}
	if (call_hook(e, "trace_begin")) {
		fprintf(stderr, "xol script: error starting Python script %s\n", path);
		finish(e);
		return -1;
	}
	*out = e;
	return 0;
}

/* --- samples ---------------------------------------------------------------- */

static struct py_event *event_of(struct script_engine *e, const struct tp_event *ev)
{
	struct py_event *pe = e->events[ev->id];
	struct script_field f[2 + TP_MAX_ARGS];
	char name[2 * TP_NAME_MAX + 3];

	if (pe && pe->ev == ev)
		return pe;
	if (!pe) {
		pe = calloc(1, sizeof(*pe));
		if (!pe) {
			PyErr_NoMemory();
			return NULL;
		}
		e->events[ev->id] = pe;
	}
	pe->ev = ev;
	snprintf(name, sizeof(name), "%s__%s", ev->group, ev->name);
	Py_XSETREF(pe->name, PyUnicode_InternFromString(name));
	snprintf(name, sizeof(name), "%s:%s", ev->group, ev->name);
	Py_XSETREF(pe->ev_name, PyUnicode_FromString(name));
	for (unsigned j = 0; j < pe->nfields; j++)
		Py_CLEAR(pe->fields[j].name);
	pe->nfields = script_fields(ev, f);
	for (unsigned j = 0; j < pe->nfields; j++) {
		pe->fields[j].f = f[j];
		pe->fields[j].string = f[j].string;
		pe->fields[j].name = PyUnicode_InternFromString(f[j].name);
		if (!pe->fields[j].name)
			return NULL;
	}
	return pe->name && pe->ev_name ? pe : NULL;
}

static PyObject *field_value(struct py_field *pf, const struct script_sample *s)
{
	const struct script_field *f = &pf->f;
	const uint8_t *p;
	uint32_t len;
	uint64_t v;

	if (f->array) {
		script_array_bytes(s, f, &p, &len);
		if (pf->string && script_is_printable(p, len))
			return PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)strlen((const char *)p),
						    "surrogateescape");
		pf->string = false; /* as perf: a bytearray from now on */
		return PyByteArray_FromStringAndSize((const char *)p, len);
	}
	v = script_read(s, f->offset, f->size);
	if (f->is_signed)
		return PyLong_FromLongLong((long long)v);
	return PyLong_FromUnsignedLongLong(v);
}

static PyObject *comm_of(struct script_engine *e, const char *comm)
{
	if (!comm)
		comm = ":-1";
	if (!e->comm || strcmp(e->comm_c, comm)) {
		Py_XSETREF(e->comm, PyUnicode_DecodeUTF8(comm, (Py_ssize_t)strlen(comm),
							 "surrogateescape"));
		snprintf(e->comm_c, sizeof(e->comm_c), "%s", comm);
	}
	Py_XINCREF(e->comm);
	return e->comm;
}

#define SET(d, k, v) set_item(d, k, v)

static int set_item(PyObject *d, const char *key, PyObject *v)
{
	int r = v ? PyDict_SetItemString(d, key, v) : -1;

	Py_XDECREF(v);
	return r;
}

/* perf_sample_dict['attr']: the file's attr, else what perf record would write. */
static PyObject *attr_bytes(const struct script_sample *s)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(a),
		.config = s->event->id,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			       PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW,
		.read_format = PERF_FORMAT_LOST,
	};

	if (s->attr)
		a = *s->attr;
	return PyBytes_FromStringAndSize((const char *)&a, sizeof(a));
}

/* perf's set_sample_read_in_dict() for a sample without read values. */
static int read_values(PyObject *ds, const struct script_sample *s)
{
	uint64_t rf = s->attr ? s->attr->read_format : PERF_FORMAT_LOST;
	PyObject *t = PyTuple_New(3), *l;
	int r = 0;

	if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
		r |= SET(ds, "time_enabled", PyLong_FromLong(0));
	if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
		r |= SET(ds, "time_running", PyLong_FromLong(0));
	if (!t)
		return -1;
	PyTuple_SET_ITEM(t, 0, PyLong_FromLong(0));
	PyTuple_SET_ITEM(t, 1, PyLong_FromLong(0));
	if (rf & PERF_FORMAT_LOST)
		PyTuple_SET_ITEM(t, 2, PyLong_FromLong(0));
	/* else the slot stays NULL, as perf leaves it */
	l = PyList_New(rf & PERF_FORMAT_GROUP ? 0 : 1);
	if (!l) {
		Py_DECREF(t);
		return -1;
	}
	if (rf & PERF_FORMAT_GROUP)
		Py_DECREF(t);
	else
		PyList_SET_ITEM(l, 0, t);
	return r | SET(ds, "values", l);
}

/* perf's get_perf_sample_dict(), with the keys perf 6.1 gives a tracepoint sample. */
static PyObject *sample_dict(struct py_event *pe, const struct script_sample *s,
			     PyObject *comm, PyObject *callchain)
{
	PyObject *d = PyDict_New(), *ds = PyDict_New();
	int r = 0;

	if (!d || !ds)
		goto fail;
	r |= PyDict_SetItemString(d, "ev_name", pe->ev_name);
	r |= SET(d, "attr", attr_bytes(s));
	r |= SET(ds, "pid", PyLong_FromLong(s->pid));
	r |= SET(ds, "tid", PyLong_FromLong(s->tid));
	r |= SET(ds, "cpu", PyLong_FromLong(s->cpu));
	r |= SET(ds, "ip", PyLong_FromUnsignedLongLong(s->ip));
	r |= SET(ds, "time", PyLong_FromUnsignedLongLong(s->time_ns));
	r |= SET(ds, "period", PyLong_FromUnsignedLongLong(s->period));
	r |= SET(ds, "phys_addr", PyLong_FromLong(0));
	r |= SET(ds, "addr", PyLong_FromLong(0));
	r |= read_values(ds, s);
	r |= SET(ds, "weight", PyLong_FromLong(0));
	r |= SET(ds, "transaction", PyLong_FromLong(0));
	/* PERF_MEM_DATA_SRC_NONE, and how perf decodes it */
	r |= SET(ds, "datasrc", PyLong_FromLong(0x5080021));
	r |= SET(ds, "datasrc_decode",
		 PyUnicode_FromString("|OP N/A|LVL N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A"));
	r |= SET(ds, "cpumode", PyLong_FromLong(s->cpumode));
	r |= PyDict_SetItemString(d, "sample", ds);
	Py_CLEAR(ds);
	r |= SET(d, "raw_buf", PyBytes_FromStringAndSize((const char *)s->raw, s->raw_size));
	r |= PyDict_SetItemString(d, "comm", comm);
	r |= PyDict_SetItemString(d, "callchain", callchain);
	r |= SET(d, "brstack", PyList_New(0));
	r |= SET(d, "brstacksym", PyList_New(0));
	r |= SET(d, "iregs", PyUnicode_FromString(""));
	r |= SET(d, "uregs", PyUnicode_FromString(""));
	if (!r)
		return d;
fail:
	Py_XDECREF(d);
	Py_XDECREF(ds);
	return NULL;
}

/* co_argcount of @fn, as perf's get_argument_count(); 0 if it has none. */
static int argcount(struct script_engine *e, PyObject *fn)
{
	PyObject *code, *n;

	if (fn == e->handler)
		return e->argcount;
	e->argcount = 0;
	code = PyObject_GetAttrString(fn, "__code__");
	if (code) {
		n = PyObject_GetAttrString(code, "co_argcount");
		if (n) {
			e->argcount = (int)PyLong_AsLong(n);
			Py_DECREF(n);
		}
		Py_DECREF(code);
	}
	PyErr_Clear();
	Py_INCREF(fn);
	Py_XSETREF(e->handler, fn);
	return e->argcount;
}

static PyObject *handler(struct script_engine *e, PyObject *name)
{
	PyObject *fn = PyDict_GetItemWithError(e->main, name);

	return fn && PyCallable_Check(fn) ? fn : NULL;
}

static int py_sample(struct script_engine *e, const struct script_sample *s)
{
	struct py_event *pe;
	PyObject *fn, *t = NULL, *dict = NULL, *callchain = NULL, *comm = NULL, *ret;
	uint64_t secs = s->time_ns / 1000000000, nsecs = s->time_ns % 1000000000;
	Py_ssize_t n = 0;
	int32_t pid = (int32_t)script_read(s, 4, 4); /* the record's common_pid */

	if (e->failed)
		return -1;
	current = s;
	pe = event_of(e, s->event);
	if (!pe)
		goto fail;
	fn = handler(e, pe->name);
	if (!fn) {
		fn = handler(e, e->unhandled);
		if (!fn)
			return PyErr_Occurred() ? (PyErr_Print(), e->failed = true, -1) : 0;
		dict = PyDict_New();
		if (!dict)
			goto fail;
	}
	t = PyTuple_New(MAX_FIELDS);
	callchain = PyList_New(0);
	comm = comm_of(e, s->comm);
	if (!t || !callchain || !comm)
		goto fail;
	Py_INCREF(pe->name);
	PyTuple_SET_ITEM(t, n++, pe->name);
	Py_INCREF(e->context);
	PyTuple_SET_ITEM(t, n++, e->context);
	if (!dict) {
		PyTuple_SET_ITEM(t, n++, PyLong_FromLong((int32_t)s->cpu));
		PyTuple_SET_ITEM(t, n++, PyLong_FromUnsignedLongLong(secs));
		PyTuple_SET_ITEM(t, n++, PyLong_FromUnsignedLongLong(nsecs));
		PyTuple_SET_ITEM(t, n++, PyLong_FromLong(pid));
		Py_INCREF(comm);
		PyTuple_SET_ITEM(t, n++, comm);
		Py_INCREF(callchain);
		PyTuple_SET_ITEM(t, n++, callchain);
	} else {
		int r = SET(dict, "common_cpu", PyLong_FromLong((int32_t)s->cpu));

		r |= SET(dict, "common_s", PyLong_FromUnsignedLongLong(secs));
		r |= SET(dict, "common_ns", PyLong_FromUnsignedLongLong(nsecs));
		r |= SET(dict, "common_pid", PyLong_FromLong(pid));
		r |= PyDict_SetItem(dict, e->keys[4], comm);
		r |= PyDict_SetItem(dict, e->keys[5], callchain);
		if (r)
			goto fail;
	}
	for (unsigned i = 0; i < pe->nfields; i++) {
		PyObject *v = field_value(&pe->fields[i], s);

		if (!v)
			goto fail;
		if (dict) {
			int r = PyDict_SetItem(dict, pe->fields[i].name, v);

			Py_DECREF(v);
			if (r)
				goto fail;
		} else if (n < MAX_FIELDS) {
			PyTuple_SET_ITEM(t, n++, v);
		} else {
			Py_DECREF(v); /* perf has no room for it either */
		}
	}
	if (dict) {
		PyTuple_SET_ITEM(t, n++, dict);
		dict = NULL;
	}
	if (argcount(e, fn) == n + 1 && n < MAX_FIELDS) {
		PyObject *d = sample_dict(pe, s, comm, callchain);

		if (!d)
			goto fail;
		PyTuple_SET_ITEM(t, n++, d);
	}
	if (n < MAX_FIELDS && _PyTuple_Resize(&t, n))
		goto fail;
	ret = PyObject_Call(fn, t, NULL);
	if (!ret)
		goto fail;
	Py_DECREF(ret);
	Py_DECREF(t);
	Py_DECREF(callchain);
	Py_DECREF(comm);
	return 0;
fail:
	Py_XDECREF(t);
	Py_XDECREF(dict);
	Py_XDECREF(callchain);
	Py_XDECREF(comm);
	PyErr_Print(); /* a SystemExit exits here, as under perf */
	e->failed = true;
	return -1;
}

static int py_stop(struct script_engine *e)
{
	int err = e->failed ? -1 : call_hook(e, "trace_end");

	finish(e);
	return err;
}

/* --- -g python ----------------------------------------------------------------- */

/*
 * perf's python_generate_script(), byte for byte: the same text for the
 * same format files.  A field prints with %s if it is an array or string,
 * %d if signed, else %u.
 */
static void gen_event(const struct tp_event *ev, FILE *o)
{
	struct script_field f[2 + TP_MAX_ARGS];
	unsigned n = script_fields(ev, f), count = 0, i;

	fprintf(o, "def %s__%s(event_name, context, common_cpu,\n", ev->group, ev->name);
	script_gen_params(f, n, o);
	fprintf(o, "perf_sample_dict):\n");
	fprintf(o, "\t\tprint_header(event_name, common_cpu, common_secs, common_nsecs,\n"
		   "\t\t\tcommon_pid, common_comm)\n\n");
	fprintf(o, "\t\tprint(\"");
	for (i = 0, count = 0; i < n; i++) {
		if (i)
			fprintf(o, ", ");
		if (count && count % 3 == 0)
			fprintf(o, "\" \\\n\t\t\"");
		count++;
		fprintf(o, "%s=%s", f[i].name,
			f[i].array || f[i].string ? "%s" : f[i].is_signed ? "%d" : "%u");
	}
	fprintf(o, "\" %% \\\n\t\t(");
	for (i = 0, count = 0; i < n; i++) {
		if (i)
			fprintf(o, ", ");
		if (++count % 5 == 0)
			fprintf(o, "\n\t\t");
		fprintf(o, "%s", f[i].name);
	}
	fprintf(o, "))\n\n");
	fprintf(o, "\t\tprint('Sample: {'+get_dict_as_string(perf_sample_dict['sample'], ', ')+'}')\n\n");
	fprintf(o, "\t\tfor node in common_callchain:"
		   "\n\t\t\tif 'sym' in node:"
		   "\n\t\t\t\tprint(\"\t[%%x] %%s%%s%%s%%s\" %% ("
		   "\n\t\t\t\t\tnode['ip'], node['sym']['name'],"
		   "\n\t\t\t\t\t\"+0x{:x}\".format(node['sym_off']) if 'sym_off' in node else \"\","
		   "\n\t\t\t\t\t\" ({})\".format(node['dso'])  if 'dso' in node else \"\","
		   "\n\t\t\t\t\t\" \" + node['sym_srcline'] if 'sym_srcline' in node else \"\"))"
		   "\n\t\t\telse:"
		   "\n\t\t\t\tprint(\"\t[%%x]\" %% (node['ip']))\n\n");
	fprintf(o, "\t\tprint()\n\n");
}

static int py_generate(const struct tp_event *const *events, FILE *o)
{
	fprintf(o, "# perf script event handlers, generated by perf script -g python\n"
		   "# Licensed under the terms of the GNU GPL License version 2\n\n"
		   "# The common_* event handler fields are the most useful fields common to\n"
		   "# all events.  They don't necessarily correspond to the 'common_*' fields\n"
		   "# in the format files.  Those fields not available as handler params can\n"
		   "# be retrieved using Python functions of the form common_*(context).\n"
		   "# See the perf-script-python Documentation for the list of available "
		   "functions.\n\n"
		   "from __future__ import print_function\n\n"
		   "import os\nimport sys\n\n"
		   "sys.path.append(os.environ['PERF_EXEC_PATH'] + \\\n"
		   "\t'/scripts/python/Perf-Trace-Util/lib/Perf/Trace')\n"
		   "\nfrom perf_trace_context import *\n"
		   "from Core import *\n\n\n"
		   "def trace_begin():\n\tprint(\"in trace_begin\")\n\n"
		   "def trace_end():\n\tprint(\"in trace_end\")\n\n");
	for (; *events; events++)
		gen_event(*events, o);
	fprintf(o, "def trace_unhandled(event_name, context, event_fields_dict, perf_sample_dict):\n"
		   "\t\tprint(get_dict_as_string(event_fields_dict))\n"
		   "\t\tprint('Sample: {'+get_dict_as_string(perf_sample_dict['sample'], ', ')+'}')\n\n"
		   "def print_header(event_name, cpu, secs, nsecs, pid, comm):\n"
		   "\tprint(\"%%-20s %%5u %%05u.%%09u %%8u %%-20s \" %% \\\n"
		   "\t(event_name, cpu, secs, nsecs, pid, comm), end=\"\")\n\n"
		   "def get_dict_as_string(a_dict, delimiter=' '):\n"
		   "\treturn delimiter.join(['%%s=%%s'%%(k,str(v))for k,v in sorted(a_dict.items())])\n");
	return ferror(o) ? -1 : 0;
}

static const char *const py_exts[] = { "py", NULL };

const struct script_engine_ops script_python_ops = {
	.name = "Python",
	.exts = py_exts,
	.start = py_start,
	.sample = py_sample,
	.stop = py_stop,
	.generate = py_generate,
};
