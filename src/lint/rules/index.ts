import type { Rule } from '../rule.js'
import { headlessService } from './headless-service.js'
import { selectorLabels } from './selector-labels.js'
import { discoveryNames } from './discovery-names.js'
import { singleNodeReplicas } from './single-node-replicas.js'
import { dataPath } from './data-path.js'
import { heap } from './heap.js'
import { maxMapCount } from './max-map-count.js'
import { security } from './security.js'
import { orderedReady } from './ordered-ready.js'
import { evenMasters } from './even-masters.js'
import { imageTag } from './image-tag.js'
import { statefulsetShape } from './statefulset-shape.js'
import { disruptionBudget } from './disruption-budget.js'
import { antiAffinity } from './anti-affinity.js'
import { updateStrategy } from './update-strategy.js'
import { endOfLife } from './end-of-life.js'

/** Every rule; adding a rule means adding its file and a line here. */
export const RULES: readonly Rule[] = [
  statefulsetShape,
  headlessService,
  selectorLabels,
  discoveryNames,
  singleNodeReplicas,
  dataPath,
  heap,
  maxMapCount,
  security,
  orderedReady,
  evenMasters,
  imageTag,
  disruptionBudget,
  antiAffinity,
  updateStrategy,
  endOfLife
]
