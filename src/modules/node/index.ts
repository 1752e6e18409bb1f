import type { OmniModule } from '../module';
import { NodeResolver } from './node.resolver';
import { ViewerResolver } from './viewer.resolver';

export const nodeModule: OmniModule = { name: 'node', entities: [], resolvers: [NodeResolver, ViewerResolver] };
