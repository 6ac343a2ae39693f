import { describe, expect, it } from "vitest";
import { ComputerAction, computerToolParameters } from "../src/actions.js";

describe("the computer tool's JSON schema", () => {
  const tool = computerToolParameters();
  const properties = tool.properties as Record<string, Record<string, unknown>>;

  it("names every action but screenshot and calc, and every field of each, from the zod schema", () => {
    // calc's result reaches text models only, through the observation
    const options = ComputerAction.options.filter(
      (o) => !["screenshot", "calc"].includes(o.shape.type.value),
    );
    expect(properties.type!.enum).toEqual(options.map((o) => o.shape.type.value));
    const fields = new Set(options.flatMap((o) => Object.keys(o.shape)));
    expect(new Set(Object.keys(properties))).toEqual(fields);
    expect(tool).toMatchObject({ type: "object", required: ["type"] });
  });

  it("carries the zod constraints and descriptions a model should see", () => {
    expect(properties.ms).toMatchObject({ type: "integer", minimum: 0, maximum: 10_000 });
    expect(properties.path).toMatchObject({ type: "array", minItems: 2 });
    expect(properties.button!.enum).toEqual(["left", "right", "middle", "wheel", "back", "forward"]);
    expect(properties.keys!.description).toMatch(/CTRL/);
  });
});
