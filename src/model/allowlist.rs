/*! What a pickle may import: an allowlist built from profiles, and a blocklist that only decides
how bad an import outside the allowlist is.

Every import that is not on the allowlist is a finding. If its module (or the exact callable) is
on the blocklist, it is `NB701` (error); otherwise `NB702` (warning: unknown code runs on load,
but not a known primitive for running commands).

```
use nbsanitize::model::{ModelPolicy, Profile, Verdict};
let policy = ModelPolicy::builder().profiles([Profile::Torch]).build();
assert_eq!(policy.judge("torch._utils", "_rebuild_tensor_v2"), Verdict::Allowed);
assert_eq!(policy.judge("numpy", "ndarray"), Verdict::Unknown);
assert_eq!(policy.judge("posix", "system"), Verdict::Dangerous);
assert_eq!(policy.judge("builtins", "getattr"), Verdict::Dangerous);
``` */

use std::collections::{HashMap, HashSet};

use super::pickle::Limits;

/// A named group of allowed callables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// PyTorch state dicts and tensors: `torch._utils._rebuild_*`, storages, dtypes,
    /// `torch.Size`, `torch.device`, `torch.nn.parameter.Parameter`, `collections.OrderedDict`.
    Torch,
    /// NumPy arrays, dtypes and scalars (`numpy.core.multiarray._reconstruct`, …, also the
    /// `numpy._core` names of NumPy 2).
    Numpy,
    /// scikit-learn estimators and transformers of common modules, and joblib's array wrapper.
    Sklearn,
    /// Python data types: `set`, `frozenset`, `bytearray`, `complex`, `slice`, `range`,
    /// `collections.*` containers, `datetime`, `decimal.Decimal`, `fractions.Fraction`,
    /// `uuid.UUID`, `_codecs.encode` (bytes in protocol 2), `copyreg._reconstructor`.
    BuiltinsData,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 4] = [
        Profile::Torch,
        Profile::Numpy,
        Profile::Sklearn,
        Profile::BuiltinsData,
    ];

    /// The kebab-case name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Torch => "torch",
            Profile::Numpy => "numpy",
            Profile::Sklearn => "sklearn",
            Profile::BuiltinsData => "builtins-data",
        }
    }

    /// Parses a kebab-case name.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The `module.qualname` entries of this profile.
    pub fn entries(self) -> &'static [&'static str] {
        match self {
            Profile::Torch => TORCH,
            Profile::Numpy => NUMPY,
            Profile::Sklearn => SKLEARN,
            Profile::BuiltinsData => BUILTINS_DATA,
        }
    }
}

const TORCH: &[&str] = &[
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._tensor._rebuild_from_type_v2",
    "torch.serialization._get_layout",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.Buffer",
    "torch.Tensor",
    "torch.Size",
    "torch.device",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.UntypedStorage",
    "torch.FloatStorage",
    "torch.DoubleStorage",
    "torch.HalfStorage",
    "torch.BFloat16Storage",
    "torch.LongStorage",
    "torch.IntStorage",
    "torch.ShortStorage",
    "torch.CharStorage",
    "torch.ByteStorage",
    "torch.BoolStorage",
    "torch.ComplexFloatStorage",
    "torch.ComplexDoubleStorage",
    "torch.QInt8Storage",
    "torch.QUInt8Storage",
    "torch.QInt32Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt2x4Storage",
    "torch.float16",
    "torch.float32",
    "torch.float64",
    "torch.bfloat16",
    "torch.complex64",
    "torch.complex128",
    "torch.int8",
    "torch.int16",
    "torch.int32",
    "torch.int64",
    "torch.uint8",
    "torch.bool",
    "torch.float8_e4m3fn",
    "torch.float8_e5m2",
    "torch.strided",
    "torch.sparse_coo",
    "torch.sparse_csr",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "torch.contiguous_format",
    "torch.channels_last",
];

const NUMPY: &[&str] = &[
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy._core.numeric._frombuffer",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.ma.core._mareconstruct",
    "numpy.dtypes.Float64DType",
    "numpy.dtypes.Float32DType",
    "numpy.dtypes.Float16DType",
    "numpy.dtypes.Int64DType",
    "numpy.dtypes.Int32DType",
    "numpy.dtypes.Int16DType",
    "numpy.dtypes.Int8DType",
    "numpy.dtypes.UInt8DType",
    "numpy.dtypes.BoolDType",
    "numpy.dtypes.ObjectDType",
    "numpy.dtypes.StrDType",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
];

const SKLEARN: &[&str] = &[
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.linear_model._base.LinearRegression",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.linear_model._ridge.RidgeClassifier",
    "sklearn.linear_model._coordinate_descent.Lasso",
    "sklearn.linear_model._coordinate_descent.ElasticNet",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.linear_model._stochastic_gradient.SGDRegressor",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.ensemble._gb.GradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.ensemble._loss.loss.LeastSquaresError",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn.dummy.DummyClassifier",
    "sklearn.dummy.DummyRegressor",
    "sklearn.naive_bayes.GaussianNB",
    "sklearn.naive_bayes.MultinomialNB",
    "sklearn.neighbors._classification.KNeighborsClassifier",
    "sklearn.neighbors._regression.KNeighborsRegressor",
    "sklearn.svm._classes.SVC",
    "sklearn.svm._classes.SVR",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.cluster._kmeans.KMeans",
    "sklearn.decomposition._pca.PCA",
    "sklearn.decomposition._truncated_svd.TruncatedSVD",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.MinMaxScaler",
    "sklearn.preprocessing._data.RobustScaler",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_selection._univariate_selection.SelectKBest",
    "sklearn.feature_selection._univariate_selection.f_classif",
];

const BUILTINS_DATA: &[&str] = &[
    "builtins.set",
    "builtins.frozenset",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.complex",
    "builtins.slice",
    "builtins.range",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.bool",
    "builtins.object",
    "builtins.NoneType",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
];

/// Modules (and their submodules) whose import is a known way to run code, read or write
/// files, or reach the network.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "posixpath",
    "ntpath",
    "subprocess",
    "_posixsubprocess",
    "_winapi",
    "pty",
    "socket",
    "_socket",
    "shutil",
    "sys",
    "pickle",
    "_pickle",
    "pickletools",
    "marshal",
    "types",
    "ctypes",
    "_ctypes",
    "cffi",
    "webbrowser",
    "importlib",
    "_imp",
    "imp",
    "zipimport",
    "pkgutil",
    "runpy",
    "pydoc",
    "code",
    "codeop",
    "commands",
    "multiprocessing",
    "_multiprocessing",
    "asyncio",
    "signal",
    "_signal",
    "threading",
    "_thread",
    "pdb",
    "bdb",
    "trace",
    "timeit",
    "profile",
    "cProfile",
    "inspect",
    "ast",
    "gc",
    "io",
    "_io",
    "fileinput",
    "tempfile",
    "pathlib",
    "glob",
    "http",
    "urllib",
    "ftplib",
    "smtplib",
    "telnetlib",
    "requests",
    "httpx",
    "aiohttp",
    "paramiko",
    "dill",
    "cloudpickle",
    "joblib.load",
    "setuptools",
    "pip",
    "distutils",
    "venv",
    "ensurepip",
    "sysconfig",
    "platform",
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    "builtins.__import__",
    "builtins.getattr",
    "builtins.setattr",
    "builtins.delattr",
    "builtins.open",
    "builtins.input",
    "builtins.breakpoint",
    "builtins.globals",
    "builtins.locals",
    "builtins.vars",
    "builtins.exit",
    "builtins.quit",
    "builtins.help",
    "builtins.memoryview",
    "builtins.__build_class__",
    "builtins.apply",
    "builtins.execfile",
    "builtins.file",
    "builtins.reload",
    "operator.attrgetter",
    "operator.methodcaller",
    "operator.getitem",
    "functools.partial",
    "functools.reduce",
    "pandas.read_pickle",
    "pandas.io.pickle.read_pickle",
    "pandas.io.pickle",
    "numpy.load",
    "numpy.lib.npyio.load",
    "numpy.testing",
    "numpy.f2py",
    "numpy.distutils",
    "numpy.ctypeslib",
    "torch.load",
    "torch.serialization.load",
    "torch.hub",
    "torch.jit",
    "torch.ops",
    "torch._C",
    "torch.utils.cpp_extension",
    "torch._dynamo",
    "torch._inductor",
    "torch.package",
    "keras.models.load_model",
    "tensorflow.io",
    "tensorflow.keras.models.load_model",
    "joblib.numpy_pickle.load",
    "jinja2",
    "yaml",
    "__main__",
];

/// How an import is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// On the allowlist.
    Allowed,
    /// Outside the allowlist and on the blocklist.
    Dangerous,
    /// Outside the allowlist, not on the blocklist.
    Unknown,
}

/// What model scanning allows and how far it goes. Build with [`ModelPolicy::builder`].
#[derive(Debug, Clone)]
pub struct ModelPolicy {
    allowed: HashSet<String>,
    blocked: Vec<String>,
    extensions: HashMap<u32, (String, String)>,
    limits: Limits,
    max_decompressed: u64,
    max_depth: usize,
}

impl Default for ModelPolicy {
    fn default() -> Self {
        ModelPolicy::builder().build()
    }
}

impl ModelPolicy {
    /// A builder starting from the defaults.
    pub fn builder() -> ModelPolicyBuilder {
        ModelPolicyBuilder::default()
    }

    /// Judges `module.name`: allowed, dangerous (blocklisted) or unknown.
    pub fn judge(&self, module: &str, name: &str) -> Verdict {
        let full = format!("{module}.{name}");
        if self.allowed.contains(&full) {
            return Verdict::Allowed;
        }
        // Prefix match on dotted components: `os` covers `os.system` and `os.path.join`.
        let blocked = self.blocked.iter().any(|b| {
            full == *b || (full.starts_with(b.as_str()) && full.as_bytes()[b.len()] == b'.')
        });
        if blocked {
            Verdict::Dangerous
        } else {
            Verdict::Unknown
        }
    }

    /// The `EXT` codes configured with [`ModelPolicyBuilder::extension`].
    pub fn extensions(&self) -> &HashMap<u32, (String, String)> {
        &self.extensions
    }

    /// Bounds of the pickle walk.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Most bytes decompressed from one file (all wrappers and archive members together).
    pub fn max_decompressed(&self) -> u64 {
        self.max_decompressed
    }

    /// How deep containers may nest (an archive in a gzip in an archive…).
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }
}

/// Builds a [`ModelPolicy`].
#[derive(Debug, Clone)]
pub struct ModelPolicyBuilder {
    profiles: Vec<Profile>,
    allow: Vec<String>,
    block: Vec<String>,
    extensions: HashMap<u32, (String, String)>,
    limits: Limits,
    max_decompressed: u64,
    max_depth: usize,
}

impl Default for ModelPolicyBuilder {
    fn default() -> Self {
        ModelPolicyBuilder {
            profiles: Profile::ALL.to_vec(),
            allow: Vec::new(),
            block: Vec::new(),
            extensions: HashMap::new(),
            limits: Limits::default(),
            max_decompressed: 1 << 30,
            max_depth: 4,
        }
    }
}

impl ModelPolicyBuilder {
    /// The allowlist profiles. Default: all of them (`torch`, `numpy`, `sklearn`,
    /// `builtins-data`).
    pub fn profiles(mut self, profiles: impl IntoIterator<Item = Profile>) -> Self {
        self.profiles = profiles.into_iter().collect();
        self
    }

    /// Allows more callables, as `module.qualname`. Default: none. An entry that is also on
    /// the blocklist is still allowed (the allowlist decides).
    pub fn allow<S: Into<String>>(mut self, callables: impl IntoIterator<Item = S>) -> Self {
        self.allow.extend(callables.into_iter().map(Into::into));
        self
    }

    /// Adds modules or callables to the blocklist (severity only). Default: the built-in list
    /// (`os`, `subprocess`, `builtins.exec`, `importlib`, `runpy`, …).
    pub fn block<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.block.extend(names.into_iter().map(Into::into));
        self
    }

    /// Declares the `copyreg` extension code the loading process registers for a callable, so
    /// `EXT1/2/4` resolve to it. Default: none (CPython's registry starts empty), and every
    /// `EXT` opcode is reported as unresolved.
    pub fn extension(mut self, code: u32, module: &str, name: &str) -> Self {
        self.extensions
            .insert(code, (module.to_owned(), name.to_owned()));
        self
    }

    /// Bounds of the pickle walk. Default: [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Most bytes decompressed from one file. Default: 1 GiB.
    pub fn max_decompressed(mut self, bytes: u64) -> Self {
        self.max_decompressed = bytes;
        self
    }

    /// How deep containers may nest. Default: 4.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Builds the policy.
    pub fn build(self) -> ModelPolicy {
        let mut allowed: HashSet<String> = self
            .profiles
            .iter()
            .flat_map(|p| p.entries().iter().map(|s| (*s).to_owned()))
            .collect();
        allowed.extend(self.allow);
        let mut blocked: Vec<String> = DANGEROUS_MODULES.iter().map(|s| (*s).to_owned()).collect();
        blocked.extend(self.block);
        ModelPolicy {
            allowed,
            blocked,
            extensions: self.extensions,
            limits: self.limits,
            max_decompressed: self.max_decompressed,
            max_depth: self.max_depth,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_and_blocklist() {
        let p = ModelPolicy::default();
        assert_eq!(p.judge("collections", "OrderedDict"), Verdict::Allowed);
        assert_eq!(
            p.judge("numpy.core.multiarray", "_reconstruct"),
            Verdict::Allowed
        );
        assert_eq!(p.judge("os", "system"), Verdict::Dangerous);
        assert_eq!(p.judge("os.path", "join"), Verdict::Dangerous);
        assert_eq!(p.judge("osmium", "x"), Verdict::Unknown);
        assert_eq!(p.judge("builtins", "exec"), Verdict::Dangerous);
        assert_eq!(p.judge("builtins", "execfoo"), Verdict::Unknown);
        assert_eq!(p.judge("importlib", "import_module"), Verdict::Dangerous);
        assert_eq!(p.judge("_posixsubprocess", "fork_exec"), Verdict::Dangerous);
        assert_eq!(p.judge("pandas", "read_pickle"), Verdict::Dangerous);
        assert_eq!(p.judge("runpy", "_run_code"), Verdict::Dangerous);
        assert_eq!(p.judge("pydoc", "pipepager"), Verdict::Dangerous);
        assert_eq!(p.judge("mypkg", "Model"), Verdict::Unknown);
        // Names that only start like an allowed entry are not allowed.
        assert_eq!(
            p.judge("collections", "OrderedDict.__init__.__globals__"),
            Verdict::Unknown
        );
    }

    #[test]
    fn profiles_select_entries() {
        let p = ModelPolicy::builder()
            .profiles([Profile::BuiltinsData])
            .allow(["mypkg.Model"])
            .build();
        assert_eq!(p.judge("torch", "Size"), Verdict::Unknown);
        assert_eq!(p.judge("mypkg", "Model"), Verdict::Allowed);
        assert_eq!(
            Profile::from_name("builtins-data"),
            Some(Profile::BuiltinsData)
        );
    }
}
