/**
 * How to use a checkpoint: what it is and the exact Python to load it for inference and to resume
 * training, per layout (Transformers, PEFT, Tinker, Lightning, torch DCP, DeepSpeed, staged `torch.load`).
 * Pure: the facts are gathered by `rlops ckpt info` (commands/ckpt-info.ts).
 */

/** What kind of weights a checkpoint holds. */
export type WeightsKind =
  | "adapter"
  | "full"
  | "lightning"
  | "dcp"
  | "deepspeed"
  | "staged"
  | "remote"
  | "unknown";

/** Facts about one checkpoint, as `rlops ckpt info --json` prints them (without the code). */
export interface CheckpointFacts {
  layout: string;
  name: string;
  location: string;
  step: number | null;
  role: string;
  complete: boolean;
  resumable: boolean;
  inference: boolean;
  weights: WeightsKind;
  /** Base model id or path (adapter_config.json, config.json, README, Tinker config). */
  baseModel: string | null;
  /** The base model is a local directory (no download needed). */
  baseModelLocal: boolean;
  loraRank: number | null;
  /** Tinker URIs. */
  uris: { state?: string; sampler?: string };
  /** Files at the top of the checkpoint. */
  files: string[];
  /** The run root the checkpoint belongs to. */
  root: string;
}

/** Python string literal (repr-safe for any path). */
const py = (value: string) => JSON.stringify(value);

function tokenizerSource(f: CheckpointFacts): string {
  return f.files.some((n) => n.startsWith("tokenizer")) ? py(f.location) : py(f.baseModel ?? f.location);
}

/** The Python code that loads the checkpoint for inference (a complete script body), or null. */
export function inferenceCode(f: CheckpointFacts): string | null {
  const local = f.baseModelLocal ? ", local_files_only=True" : "";
  switch (f.weights) {
    case "adapter":
      return [
        "import torch",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        `base = AutoModelForCausalLM.from_pretrained(${py(f.baseModel ?? "BASE_MODEL")}, torch_dtype="auto"${local})`,
        `model = PeftModel.from_pretrained(base, ${py(f.location)})`,
        `tokenizer = AutoTokenizer.from_pretrained(${tokenizerSource(f)})`,
        "model.eval()",
      ].join("\n");
    case "full":
      return [
        "import torch",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        `model = AutoModelForCausalLM.from_pretrained(${py(f.location)}, torch_dtype="auto", local_files_only=True)`,
        `tokenizer = AutoTokenizer.from_pretrained(${tokenizerSource(f)})`,
        "model.eval()",
      ].join("\n");
    case "remote":
      return f.uris.sampler || f.uris.state
        ? [
            "import tinker",
            "",
            "service_client = tinker.ServiceClient()",
            f.uris.sampler
              ? `sampling_client = service_client.create_sampling_client(model_path=${py(f.uris.sampler)})`
              : `# only a training state was saved; export sampler weights first (save_weights_for_sampler)\ntraining_client = service_client.create_lora_training_client(base_model=${py(f.baseModel ?? "BASE_MODEL")}, rank=${f.loraRank ?? 32})\ntraining_client.load_state(${py(f.uris.state as string)})\nsampling_client = training_client.save_weights_and_get_sampling_client(name=${py(`${f.name}-sampler`)})`,
          ].join("\n")
        : null;
    case "lightning":
      return [
        "import torch",
        "",
        "# With your LightningModule class: model = MyModule.load_from_checkpoint(path, map_location='cpu')",
        `checkpoint = torch.load(${py(f.location)}, map_location="cpu", weights_only=False)`,
        'state_dict = checkpoint["state_dict"]',
        "print(f\"epoch {checkpoint.get('epoch')}, global_step {checkpoint.get('global_step')}, {len(state_dict)} tensors\")",
      ].join("\n");
    case "dcp":
      return [
        "import torch",
        "from torch.distributed.checkpoint.format_utils import dcp_to_torch_save",
        "",
        "# One file from the sharded checkpoint, loadable without a process group:",
        `dcp_to_torch_save(${py(f.location)}, "consolidated.pt")`,
        'state = torch.load("consolidated.pt", map_location="cpu", weights_only=False)',
        'print(f"{len(state)} top-level entries: {list(state)[:10]}")',
      ].join("\n");
    case "deepspeed":
      return [
        "from deepspeed.utils.zero_to_fp32 import get_fp32_state_dict_from_zero_checkpoint",
        "",
        "# Consolidates the ZeRO shards into one fp32 state dict (then model.load_state_dict(state_dict)).",
        `state_dict = get_fp32_state_dict_from_zero_checkpoint(${py(f.root)}, tag=${py(f.name)})`,
        'print(f"{len(state_dict)} tensors")',
      ].join("\n");
    case "staged": {
      const file = f.files.includes("generator.pt")
        ? "generator.pt"
        : (f.files.find((n) => n.endsWith(".pt")) ?? "model.pt");
      return [
        "import torch",
        "",
        `checkpoint = torch.load(${py(`${f.location}/${file}`)}, map_location="cpu", weights_only=False)`,
        'state_dict = checkpoint.get("model_state_dict", checkpoint) if isinstance(checkpoint, dict) else checkpoint',
        "# generator.model.load_state_dict(state_dict)  # with the trainer's model class",
        'print(f"{len(state_dict)} entries")',
      ].join("\n");
    }
    default:
      return null;
  }
}

/** The code (or trainer arguments) that resumes training from the checkpoint, or null when it cannot. */
export function resumeCode(f: CheckpointFacts): string | null {
  if (!f.resumable) return null;
  switch (f.layout) {
    case "hf":
      return `# Transformers / TRL Trainer: the same training script, then\ntrainer.train(resume_from_checkpoint=${py(f.location)})`;
    case "tinker":
      return f.uris.state
        ? `import tinker\n\nservice_client = tinker.ServiceClient()\ntraining_client = service_client.create_lora_training_client(base_model=${py(f.baseModel ?? "BASE_MODEL")}, rank=${f.loraRank ?? 32})\ntraining_client.load_state(${py(f.uris.state)})`
        : null;
    case "lightning":
      return `# Lightning: the same Trainer and LightningModule, then\ntrainer.fit(model, datamodule, ckpt_path=${py(f.location)})`;
    case "dcp":
      return `import torch.distributed.checkpoint as dcp\n\nstate_dict = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}\ndcp.load(state_dict, checkpoint_id=${py(f.location)})\nmodel.load_state_dict(state_dict["model"])\noptimizer.load_state_dict(state_dict["optimizer"])`;
    case "deepspeed":
      return `# DeepSpeed engine from deepspeed.initialize(...), then\nengine.load_checkpoint(${py(f.root)}, tag=${py(f.name)})`;
    case "areal":
      return `# AReaL: copy the checkpoint into recover_checkpoint (rlops recover setup) and relaunch with\n#   recover.mode=auto`;
    case "staged":
      return `# The staged trainer's own loader:\ntrainer.load_checkpoint(${py(f.location)}, load_optimizer=True)`;
    case "step-folders":
      return `import torch\n\nstate = torch.load(${py(`${f.location}/${f.files.find((n) => /\.(pt|pth|bin)$/.test(n)) ?? "model.pt"}`)}, map_location="cpu", weights_only=False)`;
    default:
      return null;
  }
}

/**
 * A ready-to-run inference script: the load code, then (for Transformers/PEFT) one greedy generation of
 * a prompt from the command line, (for Tinker) one sample. Other layouts print what they loaded.
 */
export function inferenceScript(f: CheckpointFacts): string | null {
  const code = inferenceCode(f);
  if (!code) return null;
  const header = `#!/usr/bin/env python3\n"""Load ${f.name} (${f.layout}, step ${f.step ?? "-"}) for inference. Written by rlops ckpt info --script."""\nimport sys\n\n`;
  if (f.weights === "adapter" || f.weights === "full")
    return `${header}${code}\n\nprompt = sys.argv[1] if len(sys.argv) > 1 else "Hello"\ninputs = tokenizer(prompt, return_tensors="pt").to(model.device)\nwith torch.no_grad():\n    output = model.generate(**inputs, max_new_tokens=64, do_sample=False)\nprint(tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=False))\n`;
  if (f.weights === "remote")
    return `${header}${code}\n\nprompt = sys.argv[1] if len(sys.argv) > 1 else "Hello"\ntokenizer = sampling_client.get_tokenizer()\nresult = sampling_client.sample(\n    prompt=tinker.types.ModelInput.from_ints(tokenizer.encode(prompt)),\n    sampling_params=tinker.types.SamplingParams(max_tokens=64, temperature=0.0),\n    num_samples=1,\n).result()\nprint(tokenizer.decode(result.sequences[0].tokens))\n`;
  return `${header}${code}\n`;
}
