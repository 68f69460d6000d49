"""Variants of attention.py: ScaledDotProductAttention and TransformerEncoderLayer.

The encoder layer is built from the student's ScaledDotProductAttention (through
the provided MultiHeadAttention), and so is the Vision Transformer: a broken head
may cost encoder_layer and vit_training too. The allowed-layers question is gated
on the first fixture case of each class, so a wrong value may cost it as well.
"""
from autograder.audit import Variant

SDPA_USERS = ("encoder_layer", "vit_training", "attention_allowed_layers")  # build on the attention head
ENCODER_USERS = ("vit_training", "attention_allowed_layers")  # build on the encoder layer

SDPA_INIT = '''self.q_proj = nn.Linear(dim, inner_dim, bias=False)
        self.k_proj = nn.Linear(dim, inner_dim, bias=False)
        self.v_proj = nn.Linear(dim, inner_dim, bias=False)
'''
SCORES = "scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, T, T)\n"
WEIGHTS = "self.attn = self.softmax(scores)\n        out = self.dropout(self.attn) @ v  # (B, T, inner_dim)\n"
ATTENTION_BLOCK = "x = x + self.dropout(self.out_proj(self.attn(self.norm1(x))))\n"
MLP_BLOCK = ('hidden = self.dropout(torch.relu(self.fc1(self.norm2(x))))  # (B, T, mlp_dim)\n'
             '        out = x + self.dropout(self.fc2(hidden))\n')

VARIANTS = [
    # -- ScaledDotProductAttention.forward: mistakes --------------------------------------------
    Variant("attention_scaled_by_sqrt_tokens", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=SCORES, new="scores = q @ k.transpose(-2, -1) / math.sqrt(x.shape[1])\n"),
    Variant("attention_not_scaled", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=SCORES, new="scores = q @ k.transpose(-2, -1)\n"),
    Variant("attention_scaled_by_inner_dim_not_its_root", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=SCORES, new="scores = q @ k.transpose(-2, -1) / q.shape[-1]\n"),
    Variant("attention_softmax_over_queries", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old="self.attn = self.softmax(scores)\n", new="self.attn = torch.softmax(scores, dim=1)\n"),
    Variant("attention_weights_not_stored", "attention.py", loses=("attention",),
            old=WEIGHTS, new="attn = self.softmax(scores)\n        out = self.dropout(attn) @ v\n"),
    Variant("attention_stores_scores_before_softmax", "attention.py", loses=("attention",),
            old=WEIGHTS, new="self.attn = scores\n        out = self.dropout(self.softmax(scores)) @ v\n"),
    Variant("attention_weights_detached", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=WEIGHTS, new="self.attn = self.softmax(scores).detach()\n        out = self.dropout(self.attn) @ v\n"),
    Variant("attention_values_from_the_keys", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old="out = self.dropout(self.attn) @ v  #", new="out = self.dropout(self.attn) @ k  #"),
    Variant("attention_dropout_also_in_eval", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old="out = self.dropout(self.attn) @ v  #",
            new="out = torch.nn.functional.dropout(self.attn, self.dropout.p, training=True) @ v  #"),
    Variant("attention_without_dropout", "attention.py", loses=("attention",),
            old="out = self.dropout(self.attn) @ v  #", new="out = self.attn @ v  #"),
    Variant("attention_dropout_not_rescaled", "attention.py", loses=("attention",),
            old="out = self.dropout(self.attn) @ v  #",
            new="keep = (torch.rand_like(self.attn) >= self.dropout.p).to(self.attn.dtype) if self.training else 1.0\n"
                "        out = (self.attn * keep) @ v  #"),
    Variant("attention_through_numpy", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=WEIGHTS,
            new="self.attn = torch.from_numpy(self.softmax(scores).detach().numpy())\n"
                "        out = self.dropout(self.attn) @ v\n"),
    # -- ScaledDotProductAttention.__init__: mistakes ---------------------------------------------
    Variant("attention_projections_with_bias", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=SDPA_INIT, new=SDPA_INIT.replace("bias=False", "bias=True")),
    Variant("attention_projections_named_query_key_value", "attention.py", loses=("attention",),
            may_lose=SDPA_USERS, old=SDPA_INIT, new='''self.query = nn.Linear(dim, inner_dim, bias=False)
        self.key = nn.Linear(dim, inner_dim, bias=False)
        self.value = nn.Linear(dim, inner_dim, bias=False)
        for name, layer in (("q_proj", self.query), ("k_proj", self.key), ("v_proj", self.value)):
            object.__setattr__(self, name, layer)  # forward's names, without registering them
'''),
    Variant("attention_projections_transposed", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old=SDPA_INIT, new=SDPA_INIT.replace("nn.Linear(dim, inner_dim", "nn.Linear(inner_dim, dim")),
    Variant("attention_softmax_module_over_axis_1", "attention.py", loses=("attention",), may_lose=SDPA_USERS,
            old="self.softmax = nn.Softmax(dim=-1)", new="self.softmax = nn.Softmax(dim=1)"),
    Variant("attention_uses_nn_multihead_attention", "attention.py",
            loses=("attention", "attention_allowed_layers"), may_lose=("encoder_layer", "vit_training"),
            function="ScaledDotProductAttention.__init__", new='''
        def __init__(self, dim, inner_dim, dropout=0.0):
            super().__init__()
            self.attn = None
            self.q_proj = nn.Linear(dim, inner_dim, bias=False)
            self.k_proj = nn.Linear(dim, inner_dim, bias=False)
            self.v_proj = nn.Linear(dim, inner_dim, bias=False)
            self.mha = nn.MultiheadAttention(inner_dim, 1, dropout=dropout, bias=False, batch_first=True)
    '''),
    # -- ScaledDotProductAttention.forward: PyTorch's own attention (values right, rubric lost) ----
    Variant("attention_uses_scaled_dot_product_attention", "attention.py", loses=("attention_allowed_layers",),
            function="ScaledDotProductAttention.forward", new='''
        def forward(self, x):
            q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
            self.attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
            return torch.nn.functional.scaled_dot_product_attention(
                q, k, v, dropout_p=self.dropout.p if self.training else 0.0)
    '''),
    Variant("attention_imports_scaled_dot_product_attention", "attention.py", loses=("attention_allowed_layers",),
            old="import torch\nfrom torch import nn\n",
            new="import torch\nfrom torch import nn\nfrom torch.nn.functional import scaled_dot_product_attention as sdpa\n"),
    # -- ScaledDotProductAttention: correct alternatives -----------------------------------------
    Variant("attention_with_einsum", "attention.py", old=SCORES + "        " + WEIGHTS, new='''scores = torch.einsum("btd,bsd->bts", q, k) / math.sqrt(q.shape[-1])
        self.attn = self.softmax(scores)
        out = torch.einsum("bts,bsd->btd", self.dropout(self.attn), v)
'''),
    Variant("attention_with_bmm_and_torch_softmax", "attention.py", old=SCORES + "        " + WEIGHTS, new='''scores = torch.bmm(q, k.transpose(1, 2)) / q.size(-1) ** 0.5
        self.attn = torch.softmax(scores, dim=-1)
        out = torch.bmm(self.dropout(self.attn), v)
'''),
    Variant("attention_with_permuted_keys_and_functional_softmax", "attention.py", old=SCORES + "        " + WEIGHTS,
            new='''scores = torch.matmul(q, k.permute(0, 2, 1)) / math.sqrt(k.shape[2])
        self.attn = torch.nn.functional.softmax(scores, dim=2)
        out = torch.matmul(self.dropout(self.attn), v)
'''),
    Variant("attention_scale_folded_into_the_queries", "attention.py", old=SCORES,
            new="q = q * q.shape[-1] ** -0.5\n        scores = q @ k.mT\n"),
    Variant("attention_keeps_weights_after_dropout", "attention.py", old=WEIGHTS,
            new="self.attn = self.dropout(self.softmax(scores))\n        out = self.attn @ v\n"),
    Variant("attention_softmax_module_over_axis_2", "attention.py",
            old="self.softmax = nn.Softmax(dim=-1)", new="self.softmax = nn.Softmax(dim=2)  # (B, T, T): the keys"),
    # -- TransformerEncoderLayer.__init__: mistakes ------------------------------------------------
    Variant("encoder_out_proj_with_bias", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="self.out_proj = nn.Linear(num_heads * inner_dim, dim, bias=False)",
            new="self.out_proj = nn.Linear(num_heads * inner_dim, dim)"),
    Variant("encoder_out_proj_named_proj", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="self.out_proj = nn.Linear(num_heads * inner_dim, dim, bias=False)",
            new="self.proj = nn.Linear(num_heads * inner_dim, dim, bias=False)\n"
                "        object.__setattr__(self, 'out_proj', self.proj)  # forward's name, not registered"),
    Variant("encoder_one_norm_for_both_blocks", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="self.norm2 = nn.LayerNorm(dim)", new="self.norm2 = self.norm1"),
    Variant("encoder_mlp_without_biases", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="self.fc1 = nn.Linear(dim, mlp_dim)\n        self.fc2 = nn.Linear(mlp_dim, dim)",
            new="self.fc1 = nn.Linear(dim, mlp_dim, bias=False)\n        self.fc2 = nn.Linear(mlp_dim, dim, bias=False)"),
    Variant("encoder_uses_nn_relu_module", "attention.py", loses=("attention_allowed_layers",),
            old=MLP_BLOCK,
            new="hidden = self.dropout(nn.ReLU()(self.fc1(self.norm2(x))))\n"
                "        out = x + self.dropout(self.fc2(hidden))\n"),
    Variant("encoder_holds_an_nn_relu_module", "attention.py", loses=("attention_allowed_layers",),
            old="self.dropout = nn.Dropout(dropout)\n        # END SOLUTION\n\n    def forward(self, x):\n        \"\"\"\n"
                "        Inputs:\n        - x: tokens of shape (B, T, dim)\n\n        Returns:\n        - out: of shape (B, T, dim)",
            new="self.dropout = nn.Dropout(dropout)\n        self.act = torch.nn.modules.activation.ReLU()\n        # END SOLUTION\n\n"
                "    def forward(self, x):\n        \"\"\"\n"
                "        Inputs:\n        - x: tokens of shape (B, T, dim)\n\n        Returns:\n        - out: of shape (B, T, dim)"),
    # -- TransformerEncoderLayer.forward: mistakes -------------------------------------------------
    Variant("encoder_post_ln", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old=ATTENTION_BLOCK + "        " + MLP_BLOCK, new='''x = self.norm1(x + self.dropout(self.out_proj(self.attn(x))))
        out = self.norm2(x + self.dropout(self.fc2(self.dropout(torch.relu(self.fc1(x))))))
'''),
    Variant("encoder_without_attention_residual", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old=ATTENTION_BLOCK, new="x = self.dropout(self.out_proj(self.attn(self.norm1(x))))\n"),
    Variant("encoder_without_mlp_residual", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="out = x + self.dropout(self.fc2(hidden))", new="out = self.dropout(self.fc2(hidden))"),
    Variant("encoder_without_relu", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="torch.relu(self.fc1(self.norm2(x)))", new="self.fc1(self.norm2(x))"),
    Variant("encoder_norm2_on_the_input_not_the_sum", "attention.py", loses=("encoder_layer",),
            may_lose=ENCODER_USERS, old=ATTENTION_BLOCK + "        " + MLP_BLOCK, new='''h = x + self.dropout(self.out_proj(self.attn(self.norm1(x))))
        out = h + self.dropout(self.fc2(self.dropout(torch.relu(self.fc1(self.norm2(x))))))
'''),
    Variant("encoder_dropout_also_in_eval", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="out = x + self.dropout(self.fc2(hidden))",
            new="out = x + torch.nn.functional.dropout(self.fc2(hidden), self.dropout.p, training=True)"),
    Variant("encoder_without_mlp_dropout", "attention.py", loses=("encoder_layer",),
            old=MLP_BLOCK, new="out = x + self.fc2(torch.relu(self.fc1(self.norm2(x))))\n"),
    Variant("encoder_mlp_through_no_grad", "attention.py", loses=("encoder_layer",), may_lose=ENCODER_USERS,
            old="hidden = self.dropout(torch.relu(self.fc1(self.norm2(x))))  # (B, T, mlp_dim)\n",
            new="with torch.no_grad():\n            hidden = self.dropout(torch.relu(self.fc1(self.norm2(x))))\n"),
    # -- TransformerEncoderLayer: correct alternatives ---------------------------------------------
    Variant("encoder_with_functional_relu_and_two_dropouts", "attention.py",
            old="self.dropout = nn.Dropout(dropout)\n        # END SOLUTION\n\n    def forward(self, x):\n        \"\"\"\n"
                "        Inputs:\n        - x: tokens of shape (B, T, dim)\n\n        Returns:\n        - out: of shape (B, T, dim)",
            new="self.dropout = nn.Dropout(dropout)\n        self.mlp_drop = nn.Dropout(dropout)\n        # END SOLUTION\n\n"
                "    def forward(self, x):\n        \"\"\"\n"
                "        Inputs:\n        - x: tokens of shape (B, T, dim)\n\n        Returns:\n        - out: of shape (B, T, dim)"),
    Variant("encoder_written_with_named_steps", "attention.py", function="TransformerEncoderLayer.forward", new='''
        def forward(self, x):
            normed = self.norm1(x)
            heads = self.attn(normed)  # (B, T, num_heads * inner_dim)
            x = x + self.dropout(self.out_proj(heads))
            hidden = torch.nn.functional.relu(self.fc1(self.norm2(x)))
            return x + self.dropout(self.fc2(self.dropout(hidden)))
    '''),
    Variant("encoder_with_functional_layer_norm", "attention.py", function="TransformerEncoderLayer.forward", new='''
        def forward(self, x):
            import torch.nn.functional as F
            shape = x.shape[-1:]
            h = F.layer_norm(x, shape, self.norm1.weight, self.norm1.bias, self.norm1.eps)
            x = x + self.dropout(self.out_proj(self.attn(h)))
            h = F.layer_norm(x, shape, self.norm2.weight, self.norm2.bias, self.norm2.eps)
            return x + self.dropout(self.fc2(self.dropout(F.relu(self.fc1(h)))))
    '''),
]
