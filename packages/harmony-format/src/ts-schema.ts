/**
 * JSON Schema → TypeScript type text, as used in the tools section of system/developer messages.
 *
 * `"compat"` reproduces openai/harmony v0.0.8 character for character, including its known bugs.
 * `"improved"` is an opt-in mode that fixes them and covers `anyOf`, `allOf`, `$ref`, `const`,
 * enums without `type` and quoted keys.
 */

/** JSON Schema primitive types and the TypeScript type both renderers write for them. */
const PRIMITIVE_TS: Readonly<Record<string, string>> = {
  number: "number",
  integer: "number",
  boolean: "boolean",
};

/** How JSON Schema is turned into TypeScript. */
export type SchemaMode = "compat" | "improved";

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function get(schema: Json, key: string): Json {
  return isObject(schema) ? schema[key] : undefined;
}

function isEnum(schema: Json): boolean {
  const values = get(schema, "enum");
  return Array.isArray(values) && values.length > 0;
}

/** serde_json's compact `Display` of a value. */
function jsonText(value: Json): string {
  return JSON.stringify(value) ?? "null";
}

function isNullable(schema: Json): boolean {
  return get(schema, "nullable") === true;
}

/** The reference's default comment body: `default: "x"` for non-enum strings, raw enum strings, else JSON. */
function defaultComment(schema: Json, enumStringRaw: boolean): string {
  const value = get(schema, "default");
  if (typeof value === "string" && !isEnum(schema)) return `default: "${value}"`;
  if (typeof value === "string" && enumStringRaw) return `default: ${value}`;
  return `default: ${jsonText(value)}`;
}

/** Port of `json_schema_to_typescript(schema, indent)` from openai/harmony v0.0.8. */
export function compatSchemaToTypeScript(schema: Json, indent: string): string {
  const oneOf = get(schema, "oneOf");
  if (Array.isArray(oneOf)) {
    let out = "";
    let first = true;
    for (const variant of oneOf) {
      if (!first) out += `\n${indent} | `;
      else {
        out += `\n${indent} | `;
        first = false;
      }
      let typeText = compatSchemaToTypeScript(variant, `${indent}   `);
      if (isNullable(variant) && !typeText.includes("null")) typeText = `${typeText} | null`;
      out += typeText;
      const trailing: string[] = [];
      const description = get(variant, "description");
      if (typeof description === "string") trailing.push(description);
      if (get(variant, "default") !== undefined) trailing.push(defaultComment(variant, false));
      if (trailing.length > 0) out += ` // ${trailing.join(" ")}`;
    }
    return out;
  }
  const type = get(schema, "type");
  if (Array.isArray(type)) {
    const names: string[] = [];
    for (const item of type) if (typeof item === "string") names.push(item === "integer" ? "number" : item);
    if (names.length > 0) return names.join(" | ");
  }
  if (typeof type === "string") {
    switch (type) {
      case "object":
        return compatObject(schema as JsonObject, indent);
      case "string": {
        const values = get(schema, "enum");
        if (Array.isArray(values)) {
          const members = values.filter((v): v is string => typeof v === "string").map((v) => `"${v}"`);
          if (members.length > 0) return members.join(" | ");
        }
        return "string";
      }
      case "number":
      case "integer":
      case "boolean":
        return PRIMITIVE_TS[type]!;
      case "array": {
        const items = get(schema, "items");
        if (items !== undefined) return `${compatSchemaToTypeScript(items, indent)}[]`;
        return "Array<any>";
      }
      default:
        return "any";
    }
  }
  return "any";
}

function compatObject(schema: JsonObject, indent: string): string {
  let out = "";
  const description = schema.description;
  if (typeof description === "string") out += `${indent}// ${description}\n`;
  out += "{\n";
  const properties = schema.properties;
  if (isObject(properties)) {
    const required = new Set<string>();
    if (Array.isArray(schema.required))
      for (const r of schema.required) if (typeof r === "string") required.add(r);
    for (const [key, value] of Object.entries(properties)) {
      const optional = required.has(key) ? "" : "?";
      const title = get(value, "title");
      if (typeof title === "string") out += `${indent}// ${title}\n${indent}//\n`;
      const oneOf = get(value, "oneOf");
      if (oneOf === undefined) {
        const desc = get(value, "description");
        if (typeof desc === "string") out += `${indent}// ${desc}\n`;
      }
      const examples = get(value, "examples");
      if (Array.isArray(examples) && examples.length > 0) {
        out += `${indent}// Examples:\n`;
        for (const example of examples)
          if (typeof example === "string") out += `${indent}// - "${example}"\n`;
      }
      if (Array.isArray(oneOf)) {
        const desc = get(value, "description");
        const propertyDesc = typeof desc === "string" ? desc : undefined;
        let skip = false;
        if (propertyDesc !== undefined && oneOf.length > 0) {
          const variantDesc = get(oneOf[0], "description");
          if (typeof variantDesc === "string" && variantDesc === propertyDesc) skip = true;
        }
        let renderedAbove = false;
        if (!skip && propertyDesc !== undefined) {
          out += `${indent}// ${propertyDesc}\n`;
          renderedAbove = true;
        }
        if (get(value, "default") !== undefined) out += `${indent}// ${defaultComment(value, true)}\n`;
        out += `${indent}${key}${optional}:\n`;
        oneOf.forEach((variant, index) => {
          out += `${indent} | `;
          let typeText = compatSchemaToTypeScript(variant, `${indent}   `);
          if (isNullable(variant) && !typeText.includes("null")) typeText = `${typeText} | null`;
          out += typeText;
          const trailing: string[] = [];
          if (!(index === 0 && renderedAbove)) {
            const variantDesc = get(variant, "description");
            if (typeof variantDesc === "string" && variantDesc !== propertyDesc) trailing.push(variantDesc);
          }
          if (get(variant, "default") !== undefined) trailing.push(defaultComment(variant, true));
          if (trailing.length > 0) out += ` // ${trailing.join(" ")}`;
          out += "\n";
        });
        out += `${indent},\n`;
        continue;
      }
      out += `${indent}${key}${optional}: `;
      let typeText = compatSchemaToTypeScript(value, `${indent}    `);
      if (isNullable(value) && !typeText.includes("null")) typeText = `${typeText} | null`;
      out += `${typeText},`;
      if (oneOf === undefined && get(value, "default") !== undefined)
        out += ` // ${defaultComment(value, true)}`;
      out += "\n";
    }
  }
  out += `${indent}}`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Improved mode

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_DEPTH = 32;

interface ImprovedContext {
  root: Json;
  refs: string[];
  depth: number;
}

function commentLines(text: string, indent: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `${indent}// ${line}`.trimEnd())
    .join("\n");
}

function resolveRef(ref: string, ctx: ImprovedContext): Json {
  if (!ref.startsWith("#")) return undefined;
  const path = ref
    .slice(1)
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: Json = ctx.root;
  for (const part of path) {
    node = get(node, part);
    if (node === undefined) return undefined;
  }
  return node;
}

function refName(ref: string): string {
  const last = ref.split("/").pop() ?? "any";
  return IDENTIFIER.test(last) ? last : "any";
}

function needsParens(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "(" || c === "<" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === ">" || c === "]") depth--;
    else if (depth === 0 && (c === "|" || c === "&")) return true;
  }
  return false;
}

function improvedUnion(
  variants: Json[],
  joiner: " | " | " & ",
  indent: string,
  ctx: ImprovedContext,
): string {
  const parts = variants.map((variant) => {
    let text = improvedType(variant, indent, ctx);
    if (isNullable(variant) && !text.includes("null")) text = `${text} | null`;
    return joiner === " & " && needsParens(text) ? `(${text})` : text;
  });
  const unique = [...new Set(parts)];
  return unique.length > 0 ? unique.join(joiner) : "any";
}

function improvedType(schema: Json, indent: string, ctx: ImprovedContext): string {
  if (schema === true || schema === undefined) return "any";
  if (schema === false) return "never";
  if (!isObject(schema)) return "any";
  if (ctx.depth > MAX_DEPTH) return "any";
  const next: ImprovedContext = { ...ctx, depth: ctx.depth + 1 };
  if (typeof schema.$ref === "string") {
    const ref = schema.$ref;
    if (ctx.refs.includes(ref)) return refName(ref);
    const target = resolveRef(ref, ctx);
    if (target === undefined) return "any";
    return improvedType(target, indent, { ...next, refs: [...ctx.refs, ref] });
  }
  if ("const" in schema) return jsonText(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return [...new Set(schema.enum.map((value) => jsonText(value)))].join(" | ");
  const variants = Array.isArray(schema.oneOf)
    ? schema.oneOf
    : Array.isArray(schema.anyOf)
      ? schema.anyOf
      : null;
  if (variants) return improvedUnion(variants, " | ", indent, next);
  if (Array.isArray(schema.allOf)) return improvedUnion(schema.allOf, " & ", indent, next);
  const type = schema.type;
  if (Array.isArray(type)) {
    const names = type
      .filter((t): t is string => typeof t === "string")
      .map((t) => improvedType({ ...schema, type: t }, indent, next));
    return names.length > 0 ? [...new Set(names)].join(" | ") : "any";
  }
  switch (type) {
    case "object":
      return improvedObject(schema, indent, next);
    case "string":
    case "null":
      return type;
    case "number":
    case "integer":
    case "boolean":
      return PRIMITIVE_TS[type]!;
    case "array": {
      const items = schema.items;
      if (Array.isArray(items))
        return `[${items.map((item) => improvedType(item, indent, next)).join(", ")}]`;
      if (items === undefined) return "any[]";
      const inner = improvedType(items, indent, next);
      return needsParens(inner) ? `(${inner})[]` : `${inner}[]`;
    }
    default:
      if (isObject(schema.properties)) return improvedObject(schema, indent, next);
      return "any";
  }
}

function improvedObject(schema: JsonObject, indent: string, ctx: ImprovedContext): string {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const entries = Object.entries(properties);
  if (entries.length === 0) {
    const extra = schema.additionalProperties;
    if (isObject(extra)) return `Record<string, ${improvedType(extra, indent, ctx)}>`;
    return "{}";
  }
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [],
  );
  const inner = `${indent}    `;
  let out = "{\n";
  for (const [key, value] of entries) {
    const comments: string[] = [];
    const title = get(value, "title");
    if (typeof title === "string") comments.push(title);
    const description = get(value, "description");
    if (typeof description === "string") comments.push(description);
    const examples = get(value, "examples");
    if (Array.isArray(examples) && examples.length > 0)
      comments.push(`Examples: ${examples.map((example) => jsonText(example)).join(", ")}`);
    for (const comment of comments) out += `${commentLines(comment, inner)}\n`;
    let typeText = improvedType(value, inner, ctx);
    if (isNullable(value) && !typeText.includes("null")) typeText = `${typeText} | null`;
    const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    let line = `${inner}${name}${required.has(key) ? "" : "?"}: ${typeText},`;
    if (get(value, "default") !== undefined) line += ` // default: ${jsonText(get(value, "default"))}`;
    out += `${line}\n`;
  }
  out += `${indent}}`;
  return out;
}

/** Improved JSON Schema → TypeScript; object description (if any) is returned separately by the caller. */
export function improvedSchemaToTypeScript(schema: Json): string {
  return improvedType(schema, "", { root: schema, refs: [], depth: 0 });
}
