"""One training step recorded as a CUDA graph and replayed: what makes lesson 5 fast on a GPU.

A small network on a fast GPU is limited by kernel launches, not arithmetic: an eager step
of lesson 5's network launches about 50 kernels. Recorded once as a CUDA graph, a step is
one launch. The arithmetic is the eager step's (same forward, loss, backward and Adam
update); only the launching changes. `lessonkit.fast.speedup()` switches it on.
"""
import torch


class GraphedStep:
    """`step(xb, yb) -> (loss, out)` like the textbook step of `lessonkit.core.training.train`,
    replayed from a CUDA graph. The optimizer must be made with `capturable=True`.
    """

    def __init__(self, model, optimizer, loss_fn, batch_like: tuple[torch.Tensor, torch.Tensor]):
        if not all(group.get("capturable") for group in optimizer.param_groups):
            raise ValueError("a CUDA-graph step needs an optimizer made with capturable=True, "
                             "e.g. torch.optim.Adam(params, fused=True, capturable=True)")
        x_like, y_like = batch_like
        device = x_like.device
        if device.type != "cuda":
            raise ValueError(f"a CUDA-graph step needs the data on a CUDA device, got {device}")
        # the graph reads its inputs from these fixed addresses: each call copies a batch in
        self.x, self.y = torch.empty_like(x_like), torch.empty_like(y_like)
        # Warm-up steps (cuBLAS workspaces, optimizer state) change weights and state: keep
        # copies and put them back in place afterwards, since the graph holds these addresses.
        params = {p: p.detach().clone() for p in model.parameters()}
        state = {p: {k: v.clone() for k, v in optimizer.state[p].items()} for p in params if p in optimizer.state}
        rng = torch.cuda.get_rng_state(device)

        def step():
            optimizer.zero_grad(set_to_none=True)
            out = model(self.x)
            loss = loss_fn(out, self.y)
            loss.backward()
            optimizer.step()
            return loss.detach(), out.detach()

        self.x.zero_()
        self.y.zero_()
        model.train()
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            for _ in range(3):
                step()
        torch.cuda.current_stream(device).wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)
        with torch.cuda.graph(self.graph):
            self.loss, self.out = step()
        with torch.no_grad():
            for p, saved in params.items():
                p.copy_(saved)
                for name, value in optimizer.state[p].items():
                    if torch.is_tensor(value):
                        value.copy_(state[p][name]) if p in state else value.zero_()
        torch.cuda.set_rng_state(rng, device)

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor):
        if len(xb) != len(self.x):
            raise ValueError(f"a CUDA-graph step replays batches of {len(self.x)}, got {len(xb)}")
        self.x.copy_(xb)
        self.y.copy_(yb)
        self.graph.replay()
        return self.loss, self.out
