namespace EdgePrune.Core.Trees;

/// <summary>
/// How a tree node routes a sample, as in ONNX-ML <c>nodes_modes</c>. A branch sends the sample to its true
/// child when "feature OP threshold" holds (or when the feature is NaN and the node's missing value tracks true).
/// </summary>
public enum TreeNodeMode
{
    BranchLeq,
    BranchLt,
    BranchGte,
    BranchGt,
    BranchEq,
    BranchNeq,
    Leaf,
}

public static class TreeNodeModes
{
    /// <summary>The ONNX-ML spelling, e.g. "BRANCH_LEQ".</summary>
    public static string OnnxName(this TreeNodeMode mode) => mode switch
    {
        TreeNodeMode.BranchLeq => "BRANCH_LEQ",
        TreeNodeMode.BranchLt => "BRANCH_LT",
        TreeNodeMode.BranchGte => "BRANCH_GTE",
        TreeNodeMode.BranchGt => "BRANCH_GT",
        TreeNodeMode.BranchEq => "BRANCH_EQ",
        TreeNodeMode.BranchNeq => "BRANCH_NEQ",
        _ => "LEAF",
    };

    public static bool TryParse(string onnxName, out TreeNodeMode mode)
    {
        mode = onnxName switch
        {
            "BRANCH_LEQ" => TreeNodeMode.BranchLeq,
            "BRANCH_LT" => TreeNodeMode.BranchLt,
            "BRANCH_GTE" => TreeNodeMode.BranchGte,
            "BRANCH_GT" => TreeNodeMode.BranchGt,
            "BRANCH_EQ" => TreeNodeMode.BranchEq,
            "BRANCH_NEQ" => TreeNodeMode.BranchNeq,
            "LEAF" => TreeNodeMode.Leaf,
            _ => (TreeNodeMode)(-1),
        };
        return (int)mode >= 0;
    }

    /// <summary>Whether a branch with this mode sends <paramref name="value"/> to its true child (NaN handled by the caller).</summary>
    public static bool Holds(this TreeNodeMode mode, float value, float threshold) => mode switch
    {
        TreeNodeMode.BranchLeq => value <= threshold,
        TreeNodeMode.BranchLt => value < threshold,
        TreeNodeMode.BranchGte => value >= threshold,
        TreeNodeMode.BranchGt => value > threshold,
        TreeNodeMode.BranchEq => value == threshold,
        TreeNodeMode.BranchNeq => value != threshold,
        _ => throw new InvalidOperationException("a leaf has no condition"),
    };

    /// <summary>The C operator for the condition, e.g. "&lt;=".</summary>
    public static string COperator(this TreeNodeMode mode) => mode switch
    {
        TreeNodeMode.BranchLeq => "<=",
        TreeNodeMode.BranchLt => "<",
        TreeNodeMode.BranchGte => ">=",
        TreeNodeMode.BranchGt => ">",
        TreeNodeMode.BranchEq => "==",
        TreeNodeMode.BranchNeq => "!=",
        _ => throw new InvalidOperationException("a leaf has no condition"),
    };
}
