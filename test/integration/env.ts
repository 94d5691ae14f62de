import { useLocalStack } from '../../platform/local-stack.js';

useLocalStack();
