import { useLocalStack } from '../../core/stack.js';

useLocalStack();
