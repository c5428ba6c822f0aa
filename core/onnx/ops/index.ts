// The supported-op table: (domain, op type) → lowering.
import type { LowerContext } from './context';
import { lowerAveragePool, lowerBatchNorm, lowerConv, lowerGlobalAveragePool, lowerMaxPool } from './conv';
import { lowerArith, lowerClip, lowerLeakyRelu, lowerRelu, lowerSigmoid, lowerTanh } from './elementwise';
import { lowerGemm, lowerMatMul } from './linear';
import { lowerLinearClassifier, lowerLinearRegressor, lowerNormalizer, lowerScaler, lowerZipMap } from './ml-linear';
import { lowerSVMClassifier, lowerSVMRegressor } from './ml-svm';
import { lowerArrayFeatureExtractor, lowerBinarizer, lowerConcat, lowerFeatureVectorizer, lowerImputer } from './ml-transforms';
import { lowerArgMax, lowerSoftmax } from './reduce';
import { lowerCast, lowerConstant, lowerDropout, lowerFlatten, lowerIdentity, lowerReshape, lowerSqueeze, lowerUnsqueeze } from './shape';
import { lowerDequantizeLinear, lowerQGemm, lowerQLinearAdd, lowerQLinearAveragePool, lowerQLinearClip, lowerQLinearConv, lowerQLinearGlobalAveragePool, lowerQLinearLeakyRelu, lowerQLinearMatMul, lowerQLinearRelu, lowerQLinearSigmoid, lowerQuantizeLinear } from './quantized';
import { lowerConvInteger, lowerDynamicQuantizeConv, lowerDynamicQuantizeLinear, lowerDynamicQuantizeMatMul, lowerMatMulInteger } from './dynamic';
import { MS_DOMAIN, STYLUS_DOMAIN } from '../qdq';
import { lowerTreeEnsemble, lowerTreeEnsembleClassifier, lowerTreeEnsembleRegressor } from './trees';

export type Lowering = (ctx: LowerContext) => void;

export const ML_DOMAIN = 'ai.onnx.ml';

const ONNX_OPS: Record<string, Lowering> = {
  Concat: lowerConcat,
  Gemm: lowerGemm,
  MatMul: lowerMatMul,
  Add: lowerArith('Add'),
  Sub: lowerArith('Sub'),
  Mul: lowerArith('Mul'),
  Div: lowerArith('Div'),
  Relu: lowerRelu,
  LeakyRelu: lowerLeakyRelu,
  Clip: lowerClip,
  Sigmoid: lowerSigmoid,
  Tanh: lowerTanh,
  Softmax: lowerSoftmax,
  ArgMax: lowerArgMax,
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Squeeze: lowerSqueeze,
  Unsqueeze: lowerUnsqueeze,
  Identity: lowerIdentity,
  Dropout: lowerDropout,
  BatchNormalization: lowerBatchNorm,
  Conv: lowerConv,
  MaxPool: lowerMaxPool,
  AveragePool: lowerAveragePool,
  GlobalAveragePool: lowerGlobalAveragePool,
  Cast: lowerCast,
  Constant: lowerConstant,
  QuantizeLinear: lowerQuantizeLinear,
  DequantizeLinear: lowerDequantizeLinear,
  QLinearMatMul: lowerQLinearMatMul,
  QLinearConv: lowerQLinearConv,
  DynamicQuantizeLinear: lowerDynamicQuantizeLinear,
  MatMulInteger: lowerMatMulInteger,
  ConvInteger: lowerConvInteger,
};

/** onnxruntime's contrib ops that its quantizer writes */
const MS_OPS: Record<string, Lowering> = {
  QGemm: lowerQGemm,
  QLinearAdd: lowerQLinearAdd,
  QLinearSigmoid: lowerQLinearSigmoid,
  QLinearLeakyRelu: lowerQLinearLeakyRelu,
  QLinearGlobalAveragePool: lowerQLinearGlobalAveragePool,
  QLinearAveragePool: lowerQLinearAveragePool,
  DynamicQuantizeMatMul: lowerDynamicQuantizeMatMul,
};

/** fused forms the QDQ pass writes that onnxruntime keeps internal */
const STYLUS_OPS: Record<string, Lowering> = {
  QLinearRelu: lowerQLinearRelu,
  QLinearClip: lowerQLinearClip,
  DynamicQuantizeConv: lowerDynamicQuantizeConv,
};

const ML_OPS: Record<string, Lowering> = {
  TreeEnsembleClassifier: lowerTreeEnsembleClassifier,
  TreeEnsembleRegressor: lowerTreeEnsembleRegressor,
  TreeEnsemble: lowerTreeEnsemble,
  LinearClassifier: lowerLinearClassifier,
  LinearRegressor: lowerLinearRegressor,
  SVMClassifier: lowerSVMClassifier,
  SVMRegressor: lowerSVMRegressor,
  Binarizer: lowerBinarizer,
  Imputer: lowerImputer,
  FeatureVectorizer: lowerFeatureVectorizer,
  ArrayFeatureExtractor: lowerArrayFeatureExtractor,
  Scaler: lowerScaler,
  Normalizer: lowerNormalizer,
  ZipMap: lowerZipMap,
};

/** '' and 'ai.onnx' are the same default domain. */
export function normDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

export function loweringFor(domain: string, op: string): Lowering | undefined {
  const d = normDomain(domain);
  if (d === '') return Object.prototype.hasOwnProperty.call(ONNX_OPS, op) ? ONNX_OPS[op] : undefined;
  if (d === ML_DOMAIN) return Object.prototype.hasOwnProperty.call(ML_OPS, op) ? ML_OPS[op] : undefined;
  if (d === MS_DOMAIN) return Object.prototype.hasOwnProperty.call(MS_OPS, op) ? MS_OPS[op] : undefined;
  if (d === STYLUS_DOMAIN) return Object.prototype.hasOwnProperty.call(STYLUS_OPS, op) ? STYLUS_OPS[op] : undefined;
  return undefined;
}
