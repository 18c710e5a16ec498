import type { DeveloperContent, SystemContent, ToolDescription, ToolNamespaceConfig } from "./schema.js";

/**
 * A SystemContent part with the reference's `SystemContent::new()` defaults (identity, `Medium`
 * reasoning, knowledge cutoff `2024-06`, required channels analysis/commentary/final), overridable.
 * Note: deserialising JSON applies no defaults; this builder does.
 */
export function systemContent(overrides: Partial<Omit<SystemContent, "type">> = {}): SystemContent {
  return {
    type: "system_content",
    model_identity: "You are ChatGPT, a large language model trained by OpenAI.",
    reasoning_effort: "Medium",
    knowledge_cutoff: "2024-06",
    channel_config: { valid_channels: ["analysis", "commentary", "final"], channel_required: true },
    conversation_start_date: undefined,
    tools: undefined,
    ...overrides,
  };
}

/** A DeveloperContent part; `functionTools` become the `functions` namespace (description None). */
export function developerContent(
  options: {
    instructions?: string;
    functionTools?: ToolDescription[];
    tools?: Record<string, ToolNamespaceConfig>;
  } = {},
): DeveloperContent {
  const tools: Record<string, ToolNamespaceConfig> = { ...(options.tools ?? {}) };
  if (options.functionTools)
    tools.functions = { name: "functions", description: null, tools: options.functionTools };
  return {
    type: "developer_content",
    instructions: options.instructions,
    tools: Object.keys(tools).length > 0 ? tools : undefined,
  };
}
