//! `NB6xx`: decisions on whole MIME entries of output bundles.

declare_rules! {
    /// An `application/javascript` output.
    ///
    /// ## What it does
    /// Removes the `application/javascript` entry of an output bundle (and the output, when it
    /// had nothing else).
    ///
    /// ## Why is this bad?
    /// JupyterLab runs it when the output is trusted; it is code by definition.
    ///
    /// ## Example
    /// `IPython.display.Javascript("alert(1)")` output is removed.
    JAVASCRIPT_OUTPUT = ("NB601", "javascript-output", Error);

    /// An executable bundle: bokeh's `bokehjs_load`/`bokehjs_exec`, plotly HTML with loaders.
    ///
    /// ## What it does
    /// Removes MIME entries whose renderer executes code from the notebook:
    /// `application/vnd.bokehjs_exec.v0+json`, `application/vnd.bokehjs_load.v0+json` and
    /// `text/vnd.plotly.v1+html`. Safe siblings in the same bundle (`text/plain`, `image/png`,
    /// `application/vnd.plotly.v1+json`) are kept so the output still shows something.
    ///
    /// ## Why is this bad?
    /// bokeh's loader evaluates the JavaScript carried in the bundle.
    ///
    /// ## Example
    /// A bundle `{bokehjs_exec, text/html}` keeps its sanitized `text/html`.
    EXECUTABLE_BUNDLE = ("NB602", "executable-bundle", Error);

    /// A MIME type this tool does not know.
    ///
    /// ## What it does
    /// In the `strict` policy, removes MIME entries that are not on the known list. In the
    /// `default` policy they are kept: JupyterLab does not render unknown types as HTML.
    ///
    /// ## Why is this bad?
    /// A renderer extension may render it in ways the policy cannot check.
    ///
    /// ## Example
    /// `application/x-custom` is removed under `--policy strict`.
    UNKNOWN_MIME = ("NB603", "unknown-mime", Warning);
}
