/*! A pickle opcode walker (protocols 0–5) that never executes anything.

It keeps an abstract stack and memo: strings (short ones), imported callables and "something
else". That is enough to resolve what each `GLOBAL`, `STACK_GLOBAL` (also through `PUT`/`GET`/
`MEMOIZE`), `INST`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`, `REDUCE`, `BUILD` and `EXT1/2/4` imports or
calls, as `module` + `qualname`. Whatever cannot be resolved (a `STACK_GLOBAL` fed by bytes or
by the result of a call, a call of a computed value, an extension code) is reported as such.

Every pickle of a stream is read, not only the first: after `STOP` the walker tries the next
bytes as another pickle and keeps going while they parse. Bytes after the last pickle that do
not start like a pickle (a legacy PyTorch file's tensor data) end the walk quietly.

Memory is bounded by [`Limits`]: strings longer than [`Limits::max_string`] are not copied
(they only count as "a long string"), the stack, the mark stack and the memo have a maximum
size, and the number of opcodes is capped. An entry costs at most about 56 bytes plus its
string, and each retained string was at least that many bytes of input, so with the defaults
the walker needs at most about 200 MB on any input of up to 256 MiB, and a few kilobytes on
ordinary model files (their stack stays shallow). The input is never copied.

```
use nbsanitize::model::pickle::{walk, Limits};
// protocol 0: c os\nsystem\n (S'id'\ntR.
let scan = walk(b"cos\nsystem\n(S'id'\ntR.", &Limits::default());
assert_eq!(scan.imports[0].qualified(), "os.system");
assert!(scan.imports[0].called);
assert!(scan.error.is_none());
``` */

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// Bounds that keep hostile input from exhausting time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Opcodes walked over all pickles of one stream. Default: 100,000,000.
    pub max_ops: u64,
    /// Memo entries. Default: 2,000,000.
    pub max_memo: usize,
    /// Stack plus mark-stack depth. Default: 100,000.
    pub max_stack: usize,
    /// Longest string kept for resolving names; longer ones are skipped over (and are not
    /// names a `STACK_GLOBAL` can resolve). Default: 256.
    pub max_string: usize,
    /// Pickles read from one stream. Default: 10,000.
    pub max_pickles: usize,
    /// Distinct imports recorded per stream. Default: 10,000.
    pub max_imports: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ops: 100_000_000,
            max_memo: 2_000_000,
            max_stack: 100_000,
            max_string: 256,
            max_pickles: 10_000,
            max_imports: 10_000,
        }
    }
}

/// How a callable got onto the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// `GLOBAL` (`c`, protocols 0–3).
    Global,
    /// `STACK_GLOBAL` (protocol 4+), module and name from the stack.
    StackGlobal,
    /// `INST` (`i`, protocol 0): import and call in one opcode.
    Inst,
    /// `EXT1/2/4`, resolved through a configured extension registry.
    Ext,
}

impl Via {
    /// The opcode's name as in `pickletools`.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Global => "GLOBAL",
            Via::StackGlobal => "STACK_GLOBAL",
            Via::Inst => "INST",
            Via::Ext => "EXT",
        }
    }
}

/// One resolved import (`find_class(module, name)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The module, after Python 2 → 3 renames (`__builtin__` → `builtins`).
    pub module: String,
    /// The qualified name inside the module (may contain dots).
    pub name: String,
    /// The opcode that imported it.
    pub via: Via,
    /// Offset of that opcode in the stream (first occurrence).
    pub offset: usize,
    /// Whether it was called (`REDUCE`, `INST`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`).
    pub called: bool,
    /// How many times it was imported.
    pub count: u32,
}

impl Import {
    /// `module.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// Something the walker could not resolve or that acts on an imported object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// `STACK_GLOBAL` whose module or name is not a (short) string.
    StackGlobal {
        /// What was found instead.
        operands: String,
    },
    /// `EXT1/2/4`: a code looked up in the loading process's `copyreg` extension registry.
    Extension {
        /// The extension code.
        code: u32,
    },
    /// A call (`REDUCE`, `OBJ`, `NEWOBJ`, …) of a value that is not an imported callable,
    /// e.g. the result of `getattr(...)`.
    Call {
        /// The calling opcode.
        opcode: &'static str,
    },
    /// `BUILD`, `APPEND(S)`, `SETITEM(S)` or `ADDITEMS` applied to an imported object itself
    /// (changes a module or class, not a new instance).
    Mutation {
        /// The opcode.
        opcode: &'static str,
        /// The imported object, `module.name`.
        target: String,
    },
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::StackGlobal { operands } => {
                write!(
                    f,
                    "STACK_GLOBAL with operands that are not strings ({operands})"
                )
            }
            Unresolved::Extension { code } => write!(
                f,
                "EXT code {code}: callable from the loader's copyreg extension registry"
            ),
            Unresolved::Call { opcode } => {
                write!(
                    f,
                    "{opcode} calls a computed value, not an imported callable"
                )
            }
            Unresolved::Mutation { opcode, target } => {
                write!(f, "{opcode} modifies the imported object {target}")
            }
        }
    }
}

/// An unresolved construction with its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedAt {
    /// What it is.
    pub what: Unresolved,
    /// Offset of the opcode in the stream.
    pub offset: usize,
}

/// Why the walk stopped before the end of a pickle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkError {
    /// The bytes are not a valid pickle at `offset` (Python's loader fails there too).
    Malformed {
        /// Where.
        offset: usize,
        /// Why.
        reason: String,
    },
    /// A [`Limits`] bound was hit; the rest of the stream was not looked at.
    Limit {
        /// Where.
        offset: usize,
        /// Which bound.
        what: &'static str,
    },
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkError::Malformed { offset, reason } => {
                write!(f, "malformed pickle at offset {offset}: {reason}")
            }
            WalkError::Limit { offset, what } => {
                write!(f, "scan limit reached at offset {offset}: {what}")
            }
        }
    }
}

/// The result of walking one byte stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every distinct import, in order of first appearance.
    pub imports: Vec<Import>,
    /// Constructions that could not be resolved.
    pub unresolved: Vec<UnresolvedAt>,
    /// Complete pickles read (ended by `STOP`).
    pub pickles: usize,
    /// Opcodes walked.
    pub ops: u64,
    /// Highest protocol announced by a `PROTO` opcode.
    pub protocol: u8,
    /// Where the walk stopped (after the last `STOP`, or at the error).
    pub end: usize,
    /// Why the walk stopped early, if it did.
    pub error: Option<WalkError>,
    /// joblib array wrappers whose inline data was skipped.
    pub joblib_arrays: usize,
}

impl Scan {
    /// Whether the stream held at least one pickle (complete, or broken after something that
    /// only a pickle contains: an import or an unresolved construction).
    pub fn is_pickle(&self) -> bool {
        self.pickles > 0 || !self.imports.is_empty() || !self.unresolved.is_empty()
    }
}

/// The memo: picklers number entries 0, 1, 2, … so a vector holds them; other keys go to a
/// map. `count` is Python's `len(memo)` (what `MEMOIZE` uses as the next key).
#[derive(Debug, Default)]
struct Memo {
    dense: Vec<Option<Val>>,
    sparse: HashMap<i64, Val>,
    count: usize,
}

impl Memo {
    /// Stores `v` under `key`; `false` when that would exceed `max` entries.
    fn put(&mut self, key: i64, v: Val, max: usize) -> bool {
        let slot = usize::try_from(key)
            .ok()
            .filter(|&k| k < self.dense.len() + 1024 && k < max.saturating_mul(2));
        // A key stored in the map while the vector was shorter moves to the vector.
        let exists = match slot {
            Some(k) => {
                self.dense.get(k).is_some_and(Option::is_some)
                    || (!self.sparse.is_empty() && self.sparse.remove(&key).is_some())
            }
            None => self.sparse.contains_key(&key),
        };
        if !exists {
            if self.count >= max {
                return false;
            }
            self.count += 1;
        }
        match slot {
            Some(k) => {
                if k >= self.dense.len() {
                    self.dense.resize(k + 1, None);
                }
                self.dense[k] = Some(v);
            }
            None => {
                self.sparse.insert(key, v);
            }
        }
        true
    }

    fn get(&self, key: i64) -> Option<&Val> {
        match usize::try_from(key).ok().and_then(|k| self.dense.get(k)) {
            Some(Some(v)) => Some(v),
            _ => self.sparse.get(&key),
        }
    }

    fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.count = 0;
    }
}

/// An abstract value on the stack or in the memo.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    /// A Python `str` short enough to be a name (shared, so memo and `DUP` copies are free).
    Str(Rc<str>),
    /// A `str` longer than `max_string`.
    LongStr,
    /// `bytes`, `bytearray` or a buffer.
    Bytes,
    /// An imported callable: index into `imports`.
    Global(u32),
    /// A small integer (shapes, alignment).
    Int(i64),
    /// A short tuple of non-container values.
    Tuple(Rc<[Val]>),
    /// A dict built with `EMPTY_DICT` + `SETITEM(S)`, kept while small.
    Dict(Rc<[(Val, Val)]>),
    /// The result of `numpy.dtype(code, …)`.
    Dtype(Rc<str>),
    /// A `joblib.numpy_pickle.NumpyArrayWrapper` instance (raw array bytes follow its `BUILD`).
    Wrapper,
    /// An import that could not be resolved (already reported).
    Unknown,
    /// Anything else (numbers, containers, results of calls).
    Other,
}

impl Val {
    fn kind(&self) -> &'static str {
        match self {
            Val::Str(_) => "str",
            Val::LongStr => "long str",
            Val::Bytes => "bytes",
            Val::Global(_) => "imported object",
            Val::Unknown => "unresolved import",
            Val::Int(_) | Val::Tuple(_) | Val::Dict(_) | Val::Dtype(_) | Val::Wrapper => "data",
            Val::Other => "computed value",
        }
    }
}

/// Walks every pickle in `data`.
pub fn walk(data: &[u8], limits: &Limits) -> Scan {
    walk_with_extensions(data, limits, &HashMap::new())
}

/// Walks every pickle in `data`; `EXT1/2/4` codes found in `extensions` resolve to that
/// `(module, name)`, the others are reported as unresolved.
pub fn walk_with_extensions(
    data: &[u8],
    limits: &Limits,
    extensions: &HashMap<u32, (String, String)>,
) -> Scan {
    walk_with(data, limits, extensions, true)
}

/// Walks every pickle in `data`. With `joblib`, raw array bytes that joblib writes after the
/// `BUILD` of a `NumpyArrayWrapper` are skipped (sized from the wrapper's shape and dtype) and
/// object arrays are read as the nested pickle joblib writes; without it, the stream is read as
/// a plain `pickle.load` would.
pub fn walk_with(
    data: &[u8],
    limits: &Limits,
    extensions: &HashMap<u32, (String, String)>,
    joblib: bool,
) -> Scan {
    let mut w = Walker {
        joblib,
        extensions,
        data,
        pos: 0,
        limits: *limits,
        scan: Scan::default(),
        index: HashMap::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: Memo::default(),
        sniffing: false,
    };
    w.run();
    w.scan
}

/// Walks only the start of `data` to tell whether it is a pickle: protocol 2+ magic, or a
/// protocol 0/1 stream whose first pickle parses to `STOP` (or to the end of a truncated
/// `data`, when `truncated` is set, after a few opcodes).
pub fn sniff(data: &[u8], truncated: bool) -> bool {
    if data.len() >= 2 && data[0] == 0x80 && data[1] <= 5 && data[1] >= 2 {
        return true;
    }
    let limits = Limits {
        max_pickles: 1,
        max_ops: 1_000_000,
        ..Limits::default()
    };
    let none = HashMap::new();
    let mut w = Walker {
        joblib: true,
        extensions: &none,
        data,
        pos: 0,
        limits,
        scan: Scan::default(),
        index: HashMap::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: Memo::default(),
        sniffing: true,
    };
    w.run();
    let scan = w.scan;
    // A complete pickle, or a broken one that already called something or used a construction
    // only a pickle has (text that happens to start like `GLOBAL` does not count).
    if scan.pickles > 0 || !scan.unresolved.is_empty() || scan.imports.iter().any(|i| i.called) {
        return true;
    }
    match scan.error {
        Some(WalkError::Malformed { offset, ref reason }) => {
            truncated && offset >= data.len() && reason == TRUNCATED && scan.ops >= 3
        }
        _ => false,
    }
}

const TRUNCATED: &str = "unexpected end of data";

struct Walker<'a> {
    /// Follow joblib's inline array data (see [`walk_with`]).
    joblib: bool,
    extensions: &'a HashMap<u32, (String, String)>,
    data: &'a [u8],
    pos: usize,
    limits: Limits,
    scan: Scan,
    /// (module, name) → index into `scan.imports`.
    index: HashMap<(String, String), u32>,
    stack: Vec<Val>,
    marks: Vec<usize>,
    memo: Memo,
    /// Called from [`sniff`]: stop quietly after the first pickle.
    sniffing: bool,
}

type Step<T> = Result<T, WalkError>;

impl<'a> Walker<'a> {
    fn run(&mut self) {
        loop {
            if self.pos >= self.data.len() {
                return;
            }
            let start = self.pos;
            if self.scan.pickles >= self.limits.max_pickles {
                if !self.sniffing {
                    self.scan.error = Some(WalkError::Limit {
                        offset: start,
                        what: "too many pickles in one stream",
                    });
                }
                return;
            }
            self.stack.clear();
            self.marks.clear();
            self.memo.clear();
            let before = (self.scan.imports.len(), self.scan.unresolved.len());
            match self.one_pickle() {
                Ok(()) => {
                    self.scan.pickles += 1;
                    self.scan.end = self.pos;
                }
                Err(err) => {
                    // After a complete pickle, bytes that fail to parse before importing or
                    // calling anything are trailing data (a legacy PyTorch file's tensors):
                    // a loader reading them would fail before running anything.
                    let nothing = before == (self.scan.imports.len(), self.scan.unresolved.len());
                    let malformed = matches!(err, WalkError::Malformed { .. });
                    if self.scan.pickles > 0 && nothing && malformed {
                        self.pos = start;
                        return;
                    }
                    self.scan.error = Some(err);
                    self.scan.end = self.pos;
                    return;
                }
            }
        }
    }

    fn err<T>(&self, offset: usize, reason: impl Into<String>) -> Step<T> {
        Err(WalkError::Malformed {
            offset,
            reason: reason.into(),
        })
    }

    fn take(&mut self, n: usize) -> Step<&'a [u8]> {
        let data: &'a [u8] = self.data;
        if data.len() - self.pos < n {
            let at = data.len();
            self.pos = at;
            return self.err(at, TRUNCATED);
        }
        let s = &data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn take_len(&mut self, width: usize) -> Step<usize> {
        let b = self.take(width)?;
        let mut buf = [0u8; 8];
        buf[..width].copy_from_slice(b);
        let n = u64::from_le_bytes(buf);
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// A line without its `\n` (protocol 0 arguments).
    fn line(&mut self) -> Step<&'a [u8]> {
        let data: &'a [u8] = self.data;
        let rest = &data[self.pos..];
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let s = &data[self.pos..self.pos + i];
                self.pos += i + 1;
                Ok(s)
            }
            None => {
                self.pos = self.data.len();
                self.err(self.data.len(), TRUNCATED)
            }
        }
    }

    fn push(&mut self, v: Val, at: usize) -> Step<()> {
        if self.stack.len() + self.marks.len() >= self.limits.max_stack {
            return Err(WalkError::Limit {
                offset: at,
                what: "stack too deep",
            });
        }
        self.stack.push(v);
        Ok(())
    }

    fn base(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, at: usize) -> Step<Val> {
        if self.stack.len() <= self.base() {
            return self.err(at, "stack underflow");
        }
        Ok(self.stack.pop().unwrap_or(Val::Other))
    }

    fn top(&mut self, at: usize) -> Step<&mut Val> {
        if self.stack.len() <= self.base() {
            return self.err(at, "stack underflow");
        }
        let i = self.stack.len() - 1;
        Ok(&mut self.stack[i])
    }

    /// Pops everything down to the last mark and the mark itself.
    fn pop_mark(&mut self, at: usize) -> Step<Vec<Val>> {
        let Some(m) = self.marks.pop() else {
            return self.err(at, "no MARK on the stack");
        };
        Ok(self.stack.split_off(m.min(self.stack.len())))
    }

    fn string(&self, bytes: &[u8]) -> Val {
        if bytes.len() > self.limits.max_string {
            return Val::LongStr;
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => Val::Str(Rc::from(s)),
            Err(_) => Val::Other,
        }
    }

    /// A protocol 0/1 string that Python 3 decodes with `encoding="ASCII"` into a `str`.
    fn ascii_string(&self, bytes: &[u8]) -> Val {
        if bytes.is_ascii() {
            self.string(bytes)
        } else {
            Val::Bytes
        }
    }

    fn import(&mut self, module: &str, name: &str, via: Via, at: usize) -> Step<Val> {
        let (module, name) = py2_rename(module, name);
        let key = (module.to_owned(), name.to_owned());
        if let Some(&i) = self.index.get(&key) {
            let imp = &mut self.scan.imports[i as usize];
            imp.count = imp.count.saturating_add(1);
            return Ok(Val::Global(i));
        }
        if self.scan.imports.len() >= self.limits.max_imports {
            return Err(WalkError::Limit {
                offset: at,
                what: "too many distinct imports",
            });
        }
        let i = self.scan.imports.len() as u32;
        self.scan.imports.push(Import {
            module: key.0.clone(),
            name: key.1.clone(),
            via,
            offset: at,
            called: false,
            count: 1,
        });
        self.index.insert(key, i);
        Ok(Val::Global(i))
    }

    fn unresolved(&mut self, what: Unresolved, at: usize) -> Step<()> {
        if self.scan.unresolved.len() >= self.limits.max_imports {
            return Err(WalkError::Limit {
                offset: at,
                what: "too many unresolved constructions",
            });
        }
        self.scan.unresolved.push(UnresolvedAt { what, offset: at });
        Ok(())
    }

    /// Records a call of `callee`.
    fn call(&mut self, callee: &Val, opcode: &'static str, at: usize) -> Step<()> {
        match callee {
            Val::Global(i) => {
                self.scan.imports[*i as usize].called = true;
                Ok(())
            }
            Val::Unknown => Ok(()),
            _ => self.unresolved(Unresolved::Call { opcode }, at),
        }
    }

    /// Records an opcode that mutates `target` in place.
    fn mutate(&mut self, target: &Val, opcode: &'static str, at: usize) -> Step<()> {
        if let Val::Global(i) = target {
            let target = self.scan.imports[*i as usize].qualified();
            self.unresolved(Unresolved::Mutation { opcode, target }, at)?;
        }
        Ok(())
    }

    /// What a call of `callee` leaves on the stack: a dtype or a joblib wrapper when that is
    /// what it builds, otherwise an opaque value.
    fn result_of(&self, callee: &Val, args: Option<&Val>) -> Val {
        let Val::Global(i) = callee else {
            return Val::Other;
        };
        let imp = &self.scan.imports[*i as usize];
        if imp.name == "NumpyArrayWrapper" && imp.module.ends_with("joblib.numpy_pickle") {
            return Val::Wrapper;
        }
        if imp.module == "numpy" && imp.name == "dtype" {
            if let Some(Val::Tuple(t)) = args {
                if let Some(Val::Str(code)) = t.first() {
                    return Val::Dtype(Rc::from(&**code));
                }
            }
        }
        Val::Other
    }

    /// Skips the array data joblib writes after a `NumpyArrayWrapper`'s `BUILD`, or walks the
    /// nested pickle of an object array.
    fn joblib_array(&mut self, state: &Val, at: usize) -> Step<()> {
        let Val::Dict(pairs) = state else {
            return self.err(at, "joblib array wrapper without a state dict");
        };
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| matches!(k, Val::Str(s) if &**s == key))
                .map(|(_, v)| v.clone())
        };
        let Some(Val::Dtype(dtype)) = get("dtype") else {
            return self.err(at, "joblib array wrapper without a dtype");
        };
        self.scan.joblib_arrays += 1;
        if dtype.starts_with('O') {
            // joblib calls pickle.load on the same file: a complete, separate pickle.
            let saved = (
                std::mem::take(&mut self.stack),
                std::mem::take(&mut self.marks),
                std::mem::take(&mut self.memo),
            );
            self.joblib = false;
            let result = self.one_pickle();
            self.joblib = true;
            (self.stack, self.marks, self.memo) = saved;
            return result;
        }
        let Some(itemsize) = itemsize(&dtype) else {
            return self.err(at, format!("joblib array of unsized dtype {dtype:?}"));
        };
        let Some(Val::Tuple(shape)) = get("shape") else {
            return self.err(at, "joblib array wrapper without a shape");
        };
        let mut count: u64 = 1;
        for dim in shape.iter() {
            let Val::Int(n) = dim else {
                return self.err(at, "joblib array shape is not integers");
            };
            count = match u64::try_from(*n).ok().and_then(|n| count.checked_mul(n)) {
                Some(c) => c,
                None => return self.err(at, "joblib array shape overflows"),
            };
        }
        if let Some(Val::Int(_)) = get("numpy_array_alignment_bytes") {
            let pad = self.take(1)?[0];
            self.take(usize::from(pad))?;
        }
        let Some(len) = count.checked_mul(itemsize) else {
            return self.err(at, "joblib array size overflows");
        };
        self.take(usize::try_from(len).unwrap_or(usize::MAX))?;
        Ok(())
    }

    fn memo_put(&mut self, key: i64, at: usize) -> Step<()> {
        let v = self.top(at)?.clone();
        if !self.memo.put(key, v, self.limits.max_memo) {
            return Err(WalkError::Limit {
                offset: at,
                what: "memo too large",
            });
        }
        Ok(())
    }

    fn memo_get(&mut self, key: i64, at: usize) -> Step<()> {
        match self.memo.get(key) {
            Some(v) => {
                let v = v.clone();
                self.push(v, at)
            }
            None => self.err(at, format!("memo key {key} not found")),
        }
    }

    fn line_int(&mut self, at: usize) -> Step<i64> {
        let line = self.line()?;
        let text: String = String::from_utf8_lossy(line)
            .trim()
            .chars()
            .filter(|c| *c != '_')
            .collect();
        match text.parse::<i64>() {
            Ok(n) => Ok(n),
            Err(_) => self.err(at, "invalid integer argument"),
        }
    }

    fn one_pickle(&mut self) -> Step<()> {
        loop {
            let at = self.pos;
            if self.scan.ops >= self.limits.max_ops {
                return Err(WalkError::Limit {
                    offset: at,
                    what: "too many opcodes",
                });
            }
            self.scan.ops += 1;
            let op = self.take(1)?[0];
            match op {
                // STOP
                b'.' => {
                    self.pop(at)?;
                    return Ok(());
                }
                // MARK
                b'(' => {
                    if self.stack.len() + self.marks.len() >= self.limits.max_stack {
                        return Err(WalkError::Limit {
                            offset: at,
                            what: "stack too deep",
                        });
                    }
                    self.marks.push(self.stack.len());
                }
                // PROTO
                0x80 => {
                    let p = self.take(1)?[0];
                    if p > 5 {
                        return self.err(at, format!("unsupported pickle protocol {p}"));
                    }
                    self.scan.protocol = self.scan.protocol.max(p);
                }
                // FRAME
                0x95 => {
                    self.take(8)?;
                }
                // Numbers and constants.
                b'I' => {
                    let line = self.line()?;
                    let v = std::str::from_utf8(line)
                        .ok()
                        .and_then(|t| t.trim().parse::<i64>().ok())
                        .map_or(Val::Other, Val::Int);
                    self.push(v, at)?;
                }
                b'L' | b'F' => {
                    self.line()?;
                    self.push(Val::Other, at)?;
                }
                b'J' => {
                    let b = self.take(4)?;
                    let v = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    self.push(Val::Int(i64::from(v)), at)?;
                }
                b'K' => {
                    let v = self.take(1)?[0];
                    self.push(Val::Int(i64::from(v)), at)?;
                }
                b'M' => {
                    let b = self.take(2)?;
                    let v = u16::from_le_bytes([b[0], b[1]]);
                    self.push(Val::Int(i64::from(v)), at)?;
                }
                b'G' => {
                    self.take(8)?;
                    self.push(Val::Other, at)?;
                }
                0x8a => {
                    let n = self.take_len(1)?;
                    self.take(n)?;
                    self.push(Val::Other, at)?;
                }
                0x8b => {
                    let b = self.take(4)?;
                    let n = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if n < 0 {
                        return self.err(at, "LONG4 with negative length");
                    }
                    self.take(n as usize)?;
                    self.push(Val::Other, at)?;
                }
                b'N' | 0x88 | 0x89 | b']' | 0x8f => {
                    self.push(Val::Other, at)?;
                }
                b'}' => self.push(Val::Dict(Rc::new([])), at)?,
                b')' => self.push(Val::Tuple(Rc::new([])), at)?,
                // Strings.
                b'S' => {
                    let line = self.line()?;
                    let v = match unquote_repr(line) {
                        Some(bytes) => self.ascii_string(&bytes),
                        None => return self.err(at, "STRING argument is not a quoted string"),
                    };
                    self.push(v, at)?;
                }
                b'T' => {
                    let b = self.take(4)?;
                    let n = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if n < 0 {
                        return self.err(at, "BINSTRING with negative length");
                    }
                    let s = self.take(n as usize)?;
                    let v = self.ascii_string(s);
                    self.push(v, at)?;
                }
                b'U' => {
                    let n = self.take_len(1)?;
                    let s = self.take(n)?;
                    let v = self.ascii_string(s);
                    self.push(v, at)?;
                }
                b'V' => {
                    let line = self.line()?;
                    let v = match raw_unicode_escape(line, self.limits.max_string) {
                        Some(s) => Val::Str(Rc::from(s)),
                        None => Val::LongStr,
                    };
                    self.push(v, at)?;
                }
                b'X' | 0x8c | 0x8d => {
                    let width = match op {
                        b'X' => 4,
                        0x8c => 1,
                        _ => 8,
                    };
                    let n = self.take_len(width)?;
                    let s = self.take(n)?;
                    let v = self.string(s);
                    self.push(v, at)?;
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let width = match op {
                        b'B' => 4,
                        b'C' => 1,
                        _ => 8,
                    };
                    let n = self.take_len(width)?;
                    self.take(n)?;
                    self.push(Val::Bytes, at)?;
                }
                // NEXT_BUFFER, READONLY_BUFFER
                0x97 => self.push(Val::Bytes, at)?,
                0x98 => {
                    self.top(at)?;
                }
                // Containers built from the stack.
                b'l' | b'd' | 0x91 => {
                    self.pop_mark(at)?;
                    self.push(Val::Other, at)?;
                }
                b't' => {
                    let items = self.pop_mark(at)?;
                    self.push(tuple(items), at)?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop(at)?);
                    }
                    items.reverse();
                    self.push(tuple(items), at)?;
                }
                // APPEND, SETITEM: mutate the object below.
                b'a' | b's' => {
                    let value = self.pop(at)?;
                    if op == b's' {
                        let key = self.pop(at)?;
                        if let Val::Dict(pairs) = self.top(at)? {
                            *pairs = dict_with(pairs, [key, value]);
                        }
                    }
                    let target = self.top(at)?.clone();
                    let name = if op == b'a' { "APPEND" } else { "SETITEM" };
                    self.mutate(&target, name, at)?;
                }
                // APPENDS, SETITEMS, ADDITEMS
                b'e' | b'u' | 0x90 => {
                    let items = self.pop_mark(at)?;
                    if op == b'u' {
                        if let Val::Dict(pairs) = self.top(at)? {
                            *pairs = dict_with(pairs, items);
                        }
                    }
                    let target = self.top(at)?.clone();
                    let name = match op {
                        b'e' => "APPENDS",
                        b'u' => "SETITEMS",
                        _ => "ADDITEMS",
                    };
                    self.mutate(&target, name, at)?;
                }
                // POP, DUP, POP_MARK
                b'0' => {
                    if self.stack.len() > self.base() {
                        self.stack.pop();
                    } else {
                        self.pop_mark(at)?;
                    }
                }
                b'2' => {
                    let v = self.top(at)?.clone();
                    self.push(v, at)?;
                }
                b'1' => {
                    self.pop_mark(at)?;
                }
                // Memo.
                b'p' => {
                    let key = self.line_int(at)?;
                    self.memo_put(key, at)?;
                }
                b'q' => {
                    let key = self.take(1)?[0] as i64;
                    self.memo_put(key, at)?;
                }
                b'r' => {
                    let key = self.take_len(4)? as i64;
                    self.memo_put(key, at)?;
                }
                0x94 => {
                    let key = self.memo.count as i64;
                    self.memo_put(key, at)?;
                }
                b'g' => {
                    let key = self.line_int(at)?;
                    self.memo_get(key, at)?;
                }
                b'h' => {
                    let key = self.take(1)?[0] as i64;
                    self.memo_get(key, at)?;
                }
                b'j' => {
                    let key = self.take_len(4)? as i64;
                    self.memo_get(key, at)?;
                }
                // Persistent ids (PyTorch storages).
                b'P' => {
                    self.line()?;
                    self.push(Val::Other, at)?;
                }
                b'Q' => {
                    self.pop(at)?;
                    self.push(Val::Other, at)?;
                }
                // Imports.
                b'c' | b'i' => {
                    let module = String::from_utf8_lossy(self.line()?).into_owned();
                    let name = String::from_utf8_lossy(self.line()?).into_owned();
                    if op == b'c' {
                        let v = self.import(&module, &name, Via::Global, at)?;
                        self.push(v, at)?;
                    } else {
                        let v = self.import(&module, &name, Via::Inst, at)?;
                        self.pop_mark(at)?;
                        self.call(&v, "INST", at)?;
                        self.push(Val::Other, at)?;
                    }
                }
                0x93 => {
                    let name = self.pop(at)?;
                    let module = self.pop(at)?;
                    let v = match (&module, &name) {
                        (Val::Str(m), Val::Str(n)) => {
                            let (m, n) = (m.clone(), n.clone());
                            self.import(&m, &n, Via::StackGlobal, at)?
                        }
                        _ => {
                            let operands = format!("{}, {}", module.kind(), name.kind());
                            self.unresolved(Unresolved::StackGlobal { operands }, at)?;
                            Val::Unknown
                        }
                    };
                    self.push(v, at)?;
                }
                0x82..=0x84 => {
                    let width = match op {
                        0x82 => 1,
                        0x83 => 2,
                        _ => 4,
                    };
                    let code = self.take_len(width)? as u32;
                    if code == 0 {
                        return self.err(at, "EXT code 0");
                    }
                    let v = match self.extensions.get(&code) {
                        Some((m, n)) => {
                            let (m, n) = (m.clone(), n.clone());
                            self.import(&m, &n, Via::Ext, at)?
                        }
                        None => {
                            self.unresolved(Unresolved::Extension { code }, at)?;
                            Val::Unknown
                        }
                    };
                    self.push(v, at)?;
                }
                // Calls.
                b'R' => {
                    let args = self.pop(at)?;
                    let callee = self.pop(at)?;
                    self.call(&callee, "REDUCE", at)?;
                    let v = self.result_of(&callee, Some(&args));
                    self.push(v, at)?;
                }
                b'o' => {
                    let mut items = self.pop_mark(at)?;
                    if items.is_empty() {
                        return self.err(at, "OBJ without a class");
                    }
                    let cls = items.swap_remove(0);
                    self.call(&cls, "OBJ", at)?;
                    let v = self.result_of(&cls, None);
                    self.push(v, at)?;
                }
                0x81 => {
                    self.pop(at)?;
                    let cls = self.pop(at)?;
                    self.call(&cls, "NEWOBJ", at)?;
                    let v = self.result_of(&cls, None);
                    self.push(v, at)?;
                }
                0x92 => {
                    self.pop(at)?;
                    self.pop(at)?;
                    let cls = self.pop(at)?;
                    self.call(&cls, "NEWOBJ_EX", at)?;
                    let v = self.result_of(&cls, None);
                    self.push(v, at)?;
                }
                b'b' => {
                    let state = self.pop(at)?;
                    let target = self.top(at)?.clone();
                    self.mutate(&target, "BUILD", at)?;
                    if target == Val::Wrapper && self.joblib {
                        // joblib's unpickler replaces the wrapper by the array it reads.
                        *self.top(at)? = Val::Other;
                        self.joblib_array(&state, at)?;
                    }
                }
                _ => return self.err(at, format!("unknown opcode 0x{op:02x}")),
            }
        }
    }
}

/// A tuple value; containers inside become opaque so values stay small.
fn tuple(items: Vec<Val>) -> Val {
    // Only what is read later: shapes (all integers) and `numpy.dtype` arguments (a string
    // first). Anything else stays opaque and costs no allocation.
    let wanted = matches!(items.first(), Some(Val::Str(_)))
        || items.iter().all(|v| matches!(v, Val::Int(_)));
    if items.len() > 16 || !wanted {
        return Val::Other;
    }
    Val::Tuple(items.into_iter().map(flat).collect())
}

fn flat(v: Val) -> Val {
    match v {
        Val::Tuple(_) | Val::Dict(_) => Val::Other,
        v => v,
    }
}

/// `pairs` plus `items` taken two by two, while the dict stays small (else opaque keys).
fn dict_with(pairs: &Rc<[(Val, Val)]>, items: impl IntoIterator<Item = Val>) -> Rc<[(Val, Val)]> {
    let mut out: Vec<(Val, Val)> = pairs.to_vec();
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        if out.len() >= 32 {
            break;
        }
        let v = match v {
            Val::Dict(_) => Val::Other,
            v => v,
        };
        out.push((flat(k), v));
    }
    out.into()
}

/// Bytes per item of a NumPy dtype code as `numpy.dtype.__reduce__` writes it (`f8`, `i4`,
/// `U10` = 10 UCS-4 characters, `S5`, `V16`, `M8`).
fn itemsize(code: &str) -> Option<u64> {
    let code = code.trim_start_matches(['<', '>', '|', '=']);
    let digits = code.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let kind = &code[..code.len() - digits.len()];
    let n: u64 = digits.parse().ok()?;
    match kind {
        "U" => n.checked_mul(4),
        "" => None,
        _ => Some(n),
    }
}

/// Python 2 names that Python 3's unpickler maps (`fix_imports`, protocols 0–2), limited to
/// the modules a scanner must recognise under their new name.
fn py2_rename<'a>(module: &'a str, name: &'a str) -> (&'a str, &'a str) {
    let module = match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "commands" => "subprocess",
        "UserDict" => "collections",
        "urllib2" => "urllib.request",
        "httplib" => "http.client",
        "SocketServer" => "socketserver",
        "thread" => "_thread",
        "Queue" => "queue",
        "cStringIO" | "StringIO" => "io",
        "__main__" => "__main__",
        other => other,
    };
    let name = match (module, name) {
        ("builtins", "xrange") => "range",
        ("builtins", "unicode") => "str",
        ("builtins", "basestring") => "str",
        ("builtins", "long") => "int",
        ("builtins", "raw_input") => "input",
        ("builtins", "unichr") => "chr",
        ("builtins", "reduce") => "reduce",
        _ => name,
    };
    (module, name)
}

/// Decodes a protocol 0 `STRING` argument: a Python bytes repr in single or double quotes.
fn unquote_repr(line: &[u8]) -> Option<Vec<u8>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() < 2 {
        return None;
    }
    let q = line[0];
    if (q != b'\'' && q != b'"') || line[line.len() - 1] != q {
        return None;
    }
    let body = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = body.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' => out.push(e),
            b'\n' => {}
            b'x' => {
                let hex = body.get(i..i + 2)?;
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut k = 0;
                while k < 2 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + u32::from(body[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Decodes a protocol 0 `UNICODE` argument (`raw-unicode-escape`); `None` when longer than
/// `max` bytes.
fn raw_unicode_escape(line: &[u8], max: usize) -> Option<String> {
    if line.len() > max * 6 {
        return None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if c == b'\\' && matches!(line.get(i + 1), Some(b'u') | Some(b'U')) {
            let width = if line[i + 1] == b'u' { 4 } else { 8 };
            if let Some(hex) = line.get(i + 2..i + 2 + width) {
                if let Some(ch) = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32)
                {
                    out.push(ch);
                    i += 2 + width;
                    continue;
                }
            }
        }
        // Other bytes are Latin-1.
        out.push(char::from(c));
        i += 1;
    }
    (out.len() <= max).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(scan: &Scan) -> Vec<String> {
        scan.imports.iter().map(Import::qualified).collect()
    }

    #[test]
    fn protocol0_global_reduce() {
        let scan = walk(b"cos\nsystem\n(S'id'\ntR.", &Limits::default());
        assert_eq!(names(&scan), ["os.system"]);
        assert!(scan.imports[0].called);
        assert_eq!(scan.pickles, 1);
        assert!(scan.error.is_none());
    }

    #[test]
    fn stack_global_through_memo() {
        // \x80\x04 SHORT_BINUNICODE 'os' MEMOIZE SHORT_BINUNICODE 'system' MEMOIZE POP POP
        // BINGET 0 BINGET 1 STACK_GLOBAL ...
        let mut p = vec![0x80, 4, 0x8c, 2];
        p.extend_from_slice(b"os");
        p.push(0x94);
        p.extend_from_slice(&[0x8c, 6]);
        p.extend_from_slice(b"system");
        p.extend_from_slice(&[0x94, b'0', b'0', b'h', 0, b'h', 1, 0x93]);
        p.extend_from_slice(&[0x8c, 2]);
        p.extend_from_slice(b"id");
        p.extend_from_slice(&[0x85, b'R', b'.']);
        let scan = walk(&p, &Limits::default());
        assert_eq!(names(&scan), ["os.system"]);
        assert!(scan.imports[0].called);
        assert_eq!(scan.imports[0].via, Via::StackGlobal);
    }

    #[test]
    fn stack_global_with_bytes_is_unresolved() {
        let p = b"\x80\x04C\x02osC\x06system\x93).";
        let scan = walk(p, &Limits::default());
        assert!(scan.imports.is_empty());
        assert!(matches!(
            scan.unresolved[0].what,
            Unresolved::StackGlobal { .. }
        ));
    }

    #[test]
    fn reads_every_pickle() {
        let scan = walk(b"N.cposix\nsystem\n.", &Limits::default());
        assert_eq!(scan.pickles, 2);
        assert_eq!(names(&scan), ["posix.system"]);
    }

    #[test]
    fn trailing_data_ends_quietly() {
        let scan = walk(b"\x80\x02K\x01.\x00\x01\x02\x03", &Limits::default());
        assert_eq!(scan.pickles, 1);
        assert!(scan.error.is_none());
    }

    #[test]
    fn reduce_of_computed_value_is_unresolved() {
        // getattr(builtins, 'x')() : REDUCE on the result of REDUCE.
        let scan = walk(
            b"cbuiltins\ngetattr\n(cbuiltins\nobject\nS'x'\ntR)R.",
            &Limits::default(),
        );
        assert_eq!(names(&scan), ["builtins.getattr", "builtins.object"]);
        assert!(matches!(
            scan.unresolved[0].what,
            Unresolved::Call { opcode: "REDUCE" }
        ));
    }

    #[test]
    fn build_on_import_is_reported() {
        let scan = walk(b"cos\npath\n}b.", &Limits::default());
        assert!(matches!(
            &scan.unresolved[0].what,
            Unresolved::Mutation { opcode: "BUILD", target } if target == "os.path"
        ));
    }

    #[test]
    fn limits_bound_memory() {
        let mut p = vec![0x80, 4];
        p.extend(std::iter::repeat_n(b'(', 100));
        p.push(b'.');
        let limits = Limits {
            max_stack: 10,
            ..Limits::default()
        };
        let scan = walk(&p, &limits);
        assert!(matches!(scan.error, Some(WalkError::Limit { .. })));
    }

    #[test]
    fn malformed_is_reported() {
        let scan = walk(b"\x80\x04cos\nsys", &Limits::default());
        assert!(matches!(scan.error, Some(WalkError::Malformed { .. })));
        let scan = walk(b"\x80\x04R.", &Limits::default());
        assert!(matches!(scan.error, Some(WalkError::Malformed { .. })));
    }

    #[test]
    fn sniff_detects_protocols() {
        assert!(sniff(b"\x80\x02}q\x00.", false));
        assert!(sniff(b"(dp0\nS'a'\np1\nI1\ns.", false));
        assert!(!sniff(b"hello world\n", false));
        assert!(!sniff(b"# Title\n\nSome text.", false));
        assert!(!sniff(b"{\"a\": 1}", false));
    }

    #[test]
    fn joblib_inline_arrays_are_skipped() {
        let data = include_bytes!("../../corpus/models/sklearn_model.joblib");
        let scan = walk(data, &Limits::default());
        assert_eq!(scan.error, None);
        assert_eq!(scan.pickles, 1);
        assert_eq!(scan.joblib_arrays, 7);
        // A plain pickle.load stops at the first array's padding byte.
        let plain = walk_with(data, &Limits::default(), &HashMap::new(), false);
        assert!(matches!(plain.error, Some(WalkError::Malformed { .. })));
    }

    #[test]
    fn memo_keys_sparse_dense_and_moving() {
        let mut m = Memo::default();
        assert!(m.put(5000, Val::Int(1), 10));
        assert!(m.put(0, Val::Int(2), 10));
        assert!(m.put(-3, Val::Int(3), 10));
        assert_eq!(m.count, 3);
        // The vector grows past 5000: the key stored in the map is still found, and
        // overwriting it does not count twice.
        for k in 1..=5 {
            assert!(m.put(k * 1000, Val::Int(4), 10));
        }
        assert_eq!(m.get(5000), Some(&Val::Int(4)));
        assert_eq!(m.get(-3), Some(&Val::Int(3)));
        assert_eq!(m.count, 7);
        assert!(m.get(7).is_none());
        for k in 7..10 {
            assert!(m.put(k, Val::Other, 10));
        }
        assert!(!m.put(11, Val::Other, 10), "limit");
        assert!(m.put(0, Val::Other, 10), "overwrite within the limit");
    }

    #[test]
    fn itemsizes() {
        assert_eq!(itemsize("f8"), Some(8));
        assert_eq!(itemsize("U3"), Some(12));
        assert_eq!(itemsize("<i4"), Some(4));
        assert_eq!(itemsize("O"), None);
    }

    #[test]
    fn repr_strings_decode() {
        assert_eq!(unquote_repr(b"'a\\'b\\x41\\n'").unwrap(), b"a'bA\n");
        assert_eq!(raw_unicode_escape(b"os\\u0073", 100).unwrap(), "oss");
    }
}
