//! `NB7xx`: model files (pickle and containers of pickles).

declare_rules! {
    /// A pickle that imports or calls something outside the allowlist.
    ///
    /// ## What it does
    /// Walks every pickle in the file (and in every archive member) opcode by opcode, resolves
    /// each `GLOBAL`/`STACK_GLOBAL`/`INST` import and reports callables that the allowlist
    /// profiles (`torch`, `numpy`, `sklearn`, `builtins-data`) do not contain.
    ///
    /// ## Why is this bad?
    /// Loading a pickle calls what it imports: `os.system`, `builtins.exec`, or any function an
    /// attacker finds useful.
    ///
    /// ## Example
    /// A `model.pkl` importing `posix.system` is reported and can be quarantined.
    PICKLE_DANGEROUS_IMPORT = ("NB701", "pickle-dangerous-import", Error);
}
