/**
 * What journey validation reports: every problem at once, each naming the node (and the
 * parameter) a canvas pins it on. The codes are stable — a canvas and scripts match on them;
 * messages are for people. docs/journeys.md lists every code (a test checks).
 */

export const PROBLEM_CODES = {
  GRAPH_INVALID: "The journey's own shape is wrong (no dataset, no node list, too many nodes); no node is named.",
  NODE_ID_DUPLICATE: 'Two nodes have the same id.',
  NODE_TYPE_UNKNOWN: 'The node names no known component type.',
  PARAM_INVALID: 'A parameter is missing, unknown, of the wrong type or out of its range.',
  PERCENTAGES_NOT_100: "A random split's branch percentages and control do not add up to 100.",
  RANGE_EMPTY: 'A range is empty: a band whose from is not below its to, a random delay whose min is not below its max, hours from = to, atLeast > atMost.',
  KEY_DUPLICATE: 'Two branches or bands of a node have the same key (or the key else, or control in an experiment or beside a control group).',
  OUTLET_UNKNOWN: 'next names an outlet the node does not have.',
  TARGET_UNKNOWN: 'An outlet or a jump leads to a node that does not exist.',
  BRANCH_UNTERMINATED: 'An outlet leads nowhere: every branch must end in an exit or goal, or in an action chain.',
  ENTRY_MISSING: 'The journey has no entry node.',
  ENTRY_KINDS_MIXED: 'Entry nodes of different types: a journey is entered one way.',
  ENTRY_SEGMENT_MULTIPLE: 'More than one segment entry: a journey has one schedule.',
  ENTRY_TARGETED: 'An outlet or a jump leads into an entry node.',
  NODE_UNREACHABLE: 'No path from an entry reaches the node.',
  CYCLE_WITHOUT_WAIT: 'The node is on a cycle with no delay or wait_event on it: a customer would loop without pause.',
  SEND_RESULT_ACTION_INVALID: 'A send-result split names a node that is not a reach node on every path before it.',
  GOAL_UNKNOWN: "An experiment's goal is not a goal node of the journey.",
  EXPERIMENT_NAME_DUPLICATE: 'Two random splits of the journey run an experiment of the same name.',
  DATASET_UNKNOWN: 'The journey names a dataset the node does not have.',
  SEGMENT_UNKNOWN: "The segment does not exist or is outside the journey's unit scope.",
  SEGMENT_DATASET_MISMATCH: "The segment's customers are of another dataset than the journey's.",
  EVENT_UNKNOWN: 'The tracking plan declares no event of this name.',
  PROPERTY_UNKNOWN: 'A filter names a property the tracking plan does not declare on the event.',
  PROPERTY_TYPE_MISMATCH: "A filter's operator or value does not fit the declared type of its property (a number compared with text, contains on a number).",
  PROPERTY_VALUE_NOT_ALLOWED:
    'A filter compares an enum property with a value the tracking plan does not allow for it (ingestion rejects such events: the filter would never match, or always).',
  ATTRIBUTE_UNKNOWN: "The journey dataset's profiles have no such attribute (or it is withheld).",
  ATTRIBUTE_TYPE_MISMATCH:
    "The attribute's type or source does not fit its use (a score split needs a score or joint number, a delay until an attribute a date, a value the attribute's type).",
  ATTRIBUTE_NOT_WRITABLE: 'Only dataset attributes can be set; joint and score attributes are written by their agreement or model.',
  TEMPLATE_INVALID: 'A template has unbalanced or malformed {{ }}.',
  TEMPLATE_VARIABLE_UNAVAILABLE: 'A template variable is neither a profile attribute nor in the journey context at that node.',
  CHANNEL_UNKNOWN: 'A reach node names a channel this node does not know.',
  TEMPLATE_PARAM_INVALID:
    "A campaign template's parameter declaration is wrong: its shape, a name declared twice, a range on a type without one, a default that does not fit.",
  TEMPLATE_PARAM_PLACEMENT: 'A parameter stands where the rule does not allow one: where it would change the graph, or {{param.…}} outside a message text.',
  TEMPLATE_PARAM_UNDECLARED: 'The graph uses a parameter the template does not declare.',
  TEMPLATE_PARAM_UNUSED: 'The template declares a parameter its graph does not use.',
  TEMPLATE_VALUE_MISSING: 'A required parameter has no value.',
  TEMPLATE_VALUE_UNKNOWN: 'A value is given for a parameter the template does not declare.',
  TEMPLATE_VALUE_INVALID: "A value is not of its parameter's type, out of its range, or would change a message's template variables.",
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  /** The node the problem is on; absent for the journey as a whole. */
  nodeId?: string;
  /** The parameter within the node (`branches[1].percent`, `next.else`), or a field of the journey (`dataset`). */
  param?: string;
  code: ProblemCode;
  message: string;
}

/** @example problem('PARAM_INVALID', 'must be at least 1', 'wait', 'timeout.amount') */
export function problem(code: ProblemCode, message: string, nodeId?: string, param?: string): Problem {
  return { ...(nodeId !== undefined ? { nodeId } : {}), ...(param !== undefined ? { param } : {}), code, message };
}
