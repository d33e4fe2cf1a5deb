//! `NB7xx`: model files (pickle and containers of pickles).

declare_rules! {
    /// A pickle that imports a known-dangerous callable (`os.system`, `builtins.exec`, …).
    ///
    /// ## What it does
    /// Walks every pickle in the file (and in every archive member and compressed wrapper)
    /// opcode by opcode, without running it, and resolves each `GLOBAL`, `STACK_GLOBAL`,
    /// `INST` and configured `EXT` import to `module.qualname`. An import outside the allowlist
    /// profiles (`torch`, `numpy`, `sklearn`, `builtins-data`) whose module or name is on the
    /// blocklist (`os`, `posix`, `subprocess`, `_posixsubprocess`, `builtins.exec`/`eval`/
    /// `getattr`/`open`/`__import__`, `importlib`, `runpy`, `pydoc`, `socket`, `shutil`,
    /// `sys`, `pickle`, `marshal`, `types`, `ctypes`, `webbrowser`, `pandas.read_pickle`,
    /// `numpy.load`, `torch.load`, …) is reported here.
    ///
    /// ## Why is this bad?
    /// Loading a pickle imports and calls what it names: `os.system("…")` runs as soon as
    /// `torch.load`, `joblib.load` or `pickle.load` reads the file.
    ///
    /// ## Example
    /// A `model.pkl` importing `posix.system` is reported and can be quarantined
    /// (`check --quarantine DIR`). Nothing is rewritten.
    DANGEROUS_IMPORT = ("NB701", "pickle-dangerous-import", Error);

    /// A pickle that imports a callable outside the allowlist that is not a known-dangerous one.
    ///
    /// ## What it does
    /// Reports every import outside the allowlist profiles that is not on the blocklist, e.g.
    /// a model class from the author's own package.
    ///
    /// ## Why is this bad?
    /// Importing a module runs its code and calling an unknown callable can do anything; only
    /// the allowlist is known to rebuild data without side effects. Review the callable and
    /// add it to the allowlist if you trust it.
    ///
    /// ## Example
    /// `mypkg.models.Net` imported by `NEWOBJ`.
    UNKNOWN_IMPORT = ("NB702", "pickle-unknown-import", Warning);

    /// A pickle construction whose callable cannot be resolved without running it.
    ///
    /// ## What it does
    /// Reports `STACK_GLOBAL` fed by values that are not strings (bytes, results of calls),
    /// `EXT1/2/4` extension codes (resolved by the loading process's `copyreg` registry),
    /// calls (`REDUCE`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`) of computed values such as the result of
    /// `getattr(...)`, and `BUILD`/`APPEND`/`SETITEM` applied to an imported module or class.
    ///
    /// ## Why is this bad?
    /// These are the memo and indirection tricks used to hide the real callable from scanners
    /// that match names; what runs is unknown, so it counts as dangerous.
    ///
    /// ## Example
    /// `builtins.getattr(obj, "system")` followed by a `REDUCE` of its result.
    UNRESOLVED = ("NB703", "pickle-unresolved-callable", Error);

    /// A model file or archive member that is not a valid pickle.
    ///
    /// ## What it does
    /// Reports a pickle stream that ends early or contains an invalid opcode, a broken `.npy`
    /// header, or compressed data that does not decompress. Imports found before the break
    /// are reported as usual.
    ///
    /// ## Why is this bad?
    /// Loaders run everything up to the break; a scanner that gives up there may miss what a
    /// lenient loader reads. The file cannot be vouched for.
    ///
    /// ## Example
    /// A `.pkl` that stops in the middle of a `GLOBAL` argument.
    MALFORMED_PICKLE = ("NB704", "pickle-malformed", Warning);

    /// A model file that hit a scan limit, so part of it was not looked at.
    ///
    /// ## What it does
    /// Reports files that exceed the opcode, memo, stack-depth, import-count, nesting or
    /// decompressed-size limits of the model policy.
    ///
    /// ## Why is this bad?
    /// The limits keep hostile files from exhausting memory, but what lies past them is
    /// unchecked: treat the file as untrusted.
    ///
    /// ## Example
    /// A gzip wrapper that inflates to more than 1 GiB.
    SCAN_LIMIT = ("NB705", "model-scan-limit", Error);

    /// A zip archive built to confuse readers: wrong CRC, encryption or other flag bits,
    /// mismatched local headers, hidden or duplicate members, data before the archive.
    ///
    /// ## What it does
    /// Reads zip archives the way lenient loaders (PyTorch's) do, scans every member anyway,
    /// and reports each difference between what strict and lenient readers see.
    ///
    /// ## Why is this bad?
    /// Scanners built on strict zip readers skip members that PyTorch loads: these tricks
    /// hide a malicious `data.pkl`.
    ///
    /// ## Example
    /// A `.pt` whose `archive/data.pkl` has a wrong CRC-32.
    ARCHIVE_TRICK = ("NB706", "model-archive-trick", Warning);
}
